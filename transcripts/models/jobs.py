from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .teams import Membership, Visibility


class JobState(models.TextChoices):
    """The one job lifecycle; transitions live in ``transcripts.services.lifecycle``."""

    QUEUED = "queued", "Queued"
    SUBMITTING = "submitting", "Sending to provider"
    PROCESSING = "processing", "Transcribing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATES = (JobState.QUEUED, JobState.SUBMITTING, JobState.PROCESSING)
FINAL_STATES = (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> JobQuerySet:
        """THE access rule for job objects: jobs of the user's teams, shared with the whole team or
        made by the user. Pages, fragments, downloads, the API and search all read through it."""
        if not user.is_authenticated:
            return self.none()
        teams = Membership.objects.filter(user=user).values("team_id")
        return self.filter(team_id__in=teams).filter(
            models.Q(visibility=Visibility.TEAM) | models.Q(created_by=user)
        )

    def active(self) -> JobQuerySet:
        return self.filter(state__in=ACTIVE_STATES)


def audio_upload_path(job: Job, filename: str) -> str:
    # The stored name never reuses the user's name (kept in original_filename for display).
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"audio/{job.team_id}/{job.id}{suffix}"


class Job(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded file"
        URL = "url", "URL"

    class Provider(models.TextChoices):
        CLOUD = "cloud", "AI/ML API"
        LOCAL = "local", "Local engine"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("transcripts.Team", on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    title = models.CharField(max_length=200)

    source = models.CharField(max_length=10, choices=Source.choices)
    audio = models.FileField(upload_to=audio_upload_path, blank=True, max_length=300)
    original_filename = models.CharField(max_length=255, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)

    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.TEAM)

    provider = models.CharField(max_length=10, choices=Provider.choices)
    model = models.CharField(max_length=80)
    options = models.JSONField(default=dict, blank=True)

    state = models.CharField(max_length=12, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.FloatField(null=True, blank=True, help_text="Share of audio processed, 0..1.")
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)

    # Cloud bookkeeping. remote_id is written in the same UPDATE that leaves SUBMITTING, so a
    # redelivered task can never create a second paid generation.
    remote_id = models.CharField(max_length=200, blank=True, db_index=True)
    key = models.ForeignKey(
        "transcripts.ProviderKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    key_owner = models.CharField(max_length=160, blank=True, help_text="Who paid: owner label.")
    key_last4 = models.CharField(max_length=4, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Transient failures so far.")
    polls = models.PositiveIntegerField(default=0)
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    api_token = models.ForeignKey(
        "transcripts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="job_team_recent"),
            models.Index(fields=["state", "next_action_at"], name="job_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("job_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def key_label(self) -> str:
        return f"{self.key_owner} ••••{self.key_last4}" if self.key_last4 else ""


class Transcript(models.Model):
    """The one normalised transcript, whatever engine or payload shape produced it.

    segments: [{start, end, speaker, channel, text, edited?}] in seconds, corrections applied
    (``services.transcript_edits`` keeps each previous version); words: [{text, start, end,
    confidence, speaker, channel}]; insights: summary, topics, intents, sentiment, entities,
    search hits, chapters, highlights when the provider returned them; raw: the payload verbatim.
    """

    job = models.OneToOneField(Job, primary_key=True, on_delete=models.CASCADE, related_name="transcript")
    text = models.TextField(blank=True)
    language = models.CharField(max_length=20, blank=True)
    language_probability = models.FloatField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds of audio (billed).")
    channels = models.PositiveSmallIntegerField(default=1)
    speakers = models.JSONField(default=list, blank=True)
    #: Names people gave the speaker labels ({"0": "Alice"}); shown everywhere, exports included.
    speaker_names = models.JSONField(default=dict, blank=True)
    segments = models.JSONField(default=list, blank=True)
    words = models.JSONField(default=list, blank=True)
    insights = models.JSONField(default=dict, blank=True)
    usage = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Transcript of {self.job_id}"
