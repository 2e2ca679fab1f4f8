from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ShareLinkQuerySet(models.QuerySet):
    def live(self) -> ShareLinkQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ShareLink(models.Model):
    """A read-only link to one transcript for people outside the app (``/s/<token>/``).

    Only a SHA-256 digest of the token is stored; the token is shown when the link is made (and its
    first characters, ``prefix``, to tell links apart). An optional password is hashed like an
    account password.
    """

    job = models.ForeignKey("transcripts.Job", on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    password_hash = models.CharField(max_length=200, blank=True)
    include_audio = models.BooleanField(default=True)
    include_downloads = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    use_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link {self.prefix}… of {self.job_id}"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class ShareAccess(models.Model):
    """One opening of a share link, shown to the team. No address unless the operator turns it on."""

    class Outcome(models.TextChoices):
        OPENED = "opened", "Opened"
        WRONG_PASSWORD = "wrong_password", "Wrong password"
        THROTTLED = "throttled", "Too many password attempts"
        EXPIRED = "expired", "Expired link"
        REVOKED = "revoked", "Revoked link"

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="accesses")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.link_id} at {self.at:%Y-%m-%d %H:%M}"
