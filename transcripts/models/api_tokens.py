from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A personal access token for this server's AI/ML-compatible endpoints.

    Only a SHA-256 digest is stored; the token itself is shown once at creation.
    """

    class StatusStyle(models.TextChoices):
        # The vendor's example scripts wait only while status is "waiting" or "active".
        LEGACY = "legacy", "waiting / active (vendor example scripts)"
        # The vendor's newer schema lists "queued" and "generating".
        SCHEMA = "schema", "queued / generating (vendor schema)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    team = models.ForeignKey(
        "transcripts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Team that owns jobs created with this token; the user's personal team when empty.",
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    status_style = models.CharField(max_length=10, choices=StatusStyle.choices, default=StatusStyle.LEGACY)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
