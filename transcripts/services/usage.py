"""Cloud usage: seconds of audio transcribed, per user, team, model and key.

Counted from completed cloud jobs (``Transcript.duration`` is the billed audio length) in the
teams the viewer belongs to — the same rule as ``Job.objects.visible_to``, so nobody sees usage of
a team they are not in. "Key" is who paid (``Job.key_owner`` and ``key_last4``), kept on the job
so usage survives a key being replaced or removed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from ..models import Job, JobState, Team
from ..providers import provider_names
from ..providers.catalogue import find_cloud_model

PERIODS: dict[str, int | None] = {"7d": 7, "30d": 30, "90d": 90, "365d": 365, "all": None}
DEFAULT_PERIOD = "30d"


@dataclass(frozen=True)
class UsageRow:
    label: str
    jobs: int
    seconds: float
    detail: str = ""

    @property
    def duration(self) -> str:
        return format_duration(self.seconds)


@dataclass
class UsageReport:
    since: datetime | None
    teams: list[Team]
    total_jobs: int = 0
    total_seconds: float = 0.0
    unmeasured_jobs: int = 0  # completed, but the provider reported no duration (text-only models)
    by_user: list[UsageRow] = field(default_factory=list)
    by_team: list[UsageRow] = field(default_factory=list)
    by_model: list[UsageRow] = field(default_factory=list)
    by_key: list[UsageRow] = field(default_factory=list)

    @property
    def total_duration(self) -> str:
        return format_duration(self.total_seconds)


def _rows(jobs: QuerySet, fields: list[str]) -> list[dict]:
    return list(
        jobs.values(*fields)
        .annotate(jobs=Count("pk"), seconds=Sum("transcript__duration"))
        .order_by("-seconds", "-jobs", *fields)
    )


def usage_report(*, viewer, period: str = DEFAULT_PERIOD, team: Team | None = None) -> UsageReport:
    """Usage the viewer may see: their teams (or one of them), completed cloud jobs in ``period``."""
    teams = list(Team.objects.for_user(viewer).order_by("-personal", "name"))
    if team is not None and team not in teams:
        teams = []
    elif team is not None:
        teams = [team]
    days = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])
    since = timezone.now() - timedelta(days=days) if days else None
    jobs = Job.objects.filter(
        team__in=teams, provider__in=provider_names(needs_key=True), state=JobState.COMPLETED
    )
    if since is not None:
        jobs = jobs.filter(finished_at__gte=since)
    totals = jobs.aggregate(
        jobs=Count("pk"),
        seconds=Sum("transcript__duration"),
        unmeasured=Count("pk", filter=Q(transcript__duration__isnull=True)),
    )
    report = UsageReport(
        since=since,
        teams=teams,
        total_jobs=totals["jobs"],
        unmeasured_jobs=totals["unmeasured"],
        total_seconds=float(totals["seconds"] or 0),
    )
    report.by_user = [
        UsageRow(
            label=row["created_by__username"] or "(deleted user)",
            jobs=row["jobs"],
            seconds=row["seconds"] or 0,
        )
        for row in _rows(jobs, ["created_by__username"])
    ]
    report.by_team = [
        UsageRow(label=row["team__name"], jobs=row["jobs"], seconds=row["seconds"] or 0)
        for row in _rows(jobs, ["team__name", "team_id"])
    ]
    report.by_model = [
        UsageRow(
            label=_model_label(row["model"]),
            detail=row["model"],
            jobs=row["jobs"],
            seconds=row["seconds"] or 0,
        )
        for row in _rows(jobs, ["model"])
    ]
    report.by_key = [
        UsageRow(
            label=row["key_owner"] or "(unknown)",
            detail=f"••••{row['key_last4']}" if row["key_last4"] else "",
            jobs=row["jobs"],
            seconds=row["seconds"] or 0,
        )
        for row in _rows(jobs, ["key_owner", "key_last4"])
    ]
    return report


def _model_label(model_id: str) -> str:
    spec = find_cloud_model(model_id)
    return spec.label if spec else model_id


def format_duration(seconds: float) -> str:
    """The one way usage shows a length of audio: to the nearest minute from an hour up, else to
    the nearest second (halves up): 3725.4 -> "1 h 02 min", 3770.6 -> "1 h 03 min",
    95 -> "1 min 35 s", 12.5 -> "13 s", 0.2 -> "< 1 s", 0 -> "0 s"."""
    seconds = max(float(seconds or 0), 0.0)
    if 0 < seconds < 0.5:
        return "< 1 s"
    total = math.floor(seconds + 0.5)
    if total >= 3600:  # to the nearest minute
        hours, minutes = divmod(math.floor(seconds / 60 + 0.5), 60)
        return f"{hours} h {minutes:02d} min"
    minutes, secs = divmod(total, 60)
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
