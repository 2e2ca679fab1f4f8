"""The full-text index of what was said: one row per transcript segment, kept by ``transcripts.search``.

Rows are written only by ``transcripts.search.index_job`` (from the transcript as people see it:
corrections applied, speakers named) and removed with their job (CASCADE). Who may see a row is
never stored here: a search joins ``Job.objects.visible_to(user)`` at query time, so a job moved to
another team or a member who left is answered correctly without touching the index.

The database keeps the word index itself in step with these rows, by triggers the migration
installs (``transcripts/migrations/0003_search_index.py``):

* SQLite: ``transcripts_search_fts``, an FTS5 external-content table over (title, text);
* PostgreSQL: a ``vector`` tsvector column (not a model field) with a GIN index.

A migration that rebuilds ``transcripts_searchsegment`` on SQLite (Django copies the table on most
column changes) drops its triggers: it must install them again.
"""

from __future__ import annotations

from django.db import models

#: A segment row's id is its document's number shifted left by this many bits, plus the segment's
#: index: a search groups hits by transcript from the ids alone (``id >> SEGMENT_BITS``).
SEGMENT_BITS = 20
MAX_SEGMENTS = 1 << SEGMENT_BITS  # segments past this (over 290 hours of speech) are not indexed


class SearchDocument(models.Model):
    """A transcript in the index. Its number (``id``) keys the ids of its segment rows."""

    job = models.OneToOneField("transcripts.Job", on_delete=models.CASCADE, related_name="search_document")
    language = models.CharField(max_length=20, blank=True)
    #: The PostgreSQL text search configuration its words were indexed with ("english", "simple"…).
    config = models.CharField(max_length=40, default="simple")
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["config"], name="search_doc_config")]

    def __str__(self) -> str:
        return f"Search document {self.pk} of {self.job_id}"

    @property
    def first_segment_id(self) -> int:
        return self.pk << SEGMENT_BITS

    @property
    def last_segment_id(self) -> int:
        return (self.pk << SEGMENT_BITS) | (MAX_SEGMENTS - 1)


class SearchSegment(models.Model):
    """One segment as people see it, with its job's title (so a title word counts as a match)."""

    # Always set by the indexer to document.id << SEGMENT_BITS | index. An auto field only for its
    # column type: on SQLite an INTEGER PRIMARY KEY is the rowid, which FTS5 reads without an index.
    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey("transcripts.Job", on_delete=models.CASCADE, related_name="search_segments")
    index = models.PositiveIntegerField()
    start = models.FloatField(null=True, blank=True)
    speaker = models.CharField(max_length=100, blank=True, help_text="The speaker's name as shown.")
    title = models.CharField(max_length=200)
    text = models.TextField()
    config = models.CharField(max_length=40, default="simple")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Segment {self.index} of {self.job_id}"
