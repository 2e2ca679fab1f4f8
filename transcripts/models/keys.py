from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ProviderKey(models.Model):
    """An AI/ML API key, encrypted at rest; owned by one user or (team key) by one team.

    Only ``ciphertext`` holds the secret. ``last4`` is kept apart so lists never decrypt.
    """

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        VALID = "valid", "Working"
        INVALID = "invalid", "Rejected by the API"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="provider_key",
    )
    team = models.OneToOneField(
        "transcripts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="provider_key",
    )
    ciphertext = models.BinaryField()
    last4 = models.CharField(max_length=4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNCHECKED)
    status_message = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False)
                ),
                name="key_has_exactly_one_owner",
            )
        ]

    def __str__(self) -> str:  # never the secret
        return f"{self.owner_label} key …{self.last4}"

    @property
    def masked(self) -> str:
        return f"••••{self.last4}"

    @property
    def owner_label(self) -> str:
        if self.team_id:
            return f"team {self.team.name}"
        return self.user.get_username()
