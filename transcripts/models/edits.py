from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TranscriptEdit(models.Model):
    """One change people made to a transcript: a corrected segment or a renamed speaker.

    The model's own output stays in ``Transcript.raw``; ``before`` keeps the previous version of
    what changed, so every edit can be undone (an undo is itself an edit that ``undoes`` another).
    """

    class Kind(models.TextChoices):
        TEXT = "text", "Corrected text"
        SPEAKER = "speaker", "Renamed speaker"

    transcript = models.ForeignKey("transcripts.Transcript", on_delete=models.CASCADE, related_name="edits")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    segment = models.PositiveIntegerField(null=True, blank=True, help_text="Index into segments.")
    speaker = models.CharField(max_length=100, blank=True, help_text="The speaker label renamed.")
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    undoes = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["transcript", "segment", "-created_at"], name="edit_segment_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.transcript_id}"
