"""Index every finished transcript again (after restoring a backup, or moving between databases).

python manage.py rebuild_search_index

The index follows every change by itself (``transcripts.search.index_job``); this is for when the
rows were copied without it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from transcripts.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the full-text search index from the transcripts."

    def handle(self, *args, **options) -> None:
        count = rebuild_index()
        self.stdout.write(f"Indexed {count} transcript{'s' if count != 1 else ''}.")
