"""Re-encrypt every stored provider key with the newest field-encryption key.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (or the first line of the key file), keep
the old ones after it, restart, run this command, then drop the old keys.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from transcripts import crypto
from transcripts.models import ProviderKey


class Command(BaseCommand):
    help = "Re-encrypt every stored API key with the first (newest) field-encryption key."

    def handle(self, *args, **options) -> None:
        rotated = 0
        unreadable = []
        with transaction.atomic():
            for key in ProviderKey.objects.select_for_update().only("pk", "ciphertext"):
                try:
                    ciphertext = crypto.rotate(key.ciphertext)
                except crypto.InvalidToken:
                    unreadable.append(key.pk)
                    continue
                ProviderKey.objects.filter(pk=key.pk).update(ciphertext=ciphertext)
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} key(s) with the newest encryption key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} key(s) could not be decrypted with any configured key "
                f"(ids {', '.join(map(str, unreadable))}); their owners must enter them again."
            )
