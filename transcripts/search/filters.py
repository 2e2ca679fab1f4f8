"""The search's filters and sort orders, read from a query string.

Filters narrow the jobs a search may return (``Job.objects.visible_to(user)`` first, always), so a
filter can never widen what a person sees. A malformed value is dropped with a notice, never an
error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Job, JobState, Team

MAX_SPEAKER = 100  # SearchSegment.speaker's length
MAX_MODEL = 80  # Job.model's length
MAX_LANGUAGE = 20

RELEVANCE, NEWEST, OLDEST = "relevance", "newest", "oldest"
SORTS = {RELEVANCE: "Best match", NEWEST: "Newest first", OLDEST: "Oldest first"}


@dataclass(frozen=True)
class SearchFilters:
    team_id: int | None = None
    creator_id: int | None = None
    model: str = ""  # Job.model: the model (and so the engine) that made the transcript
    language: str = ""  # Transcript.language as stored ("en")
    date_from: date | None = None  # created on or after
    date_to: date | None = None  # created on or before
    speaker: str = ""  # a speaker's name as shown (any letter case)

    @property
    def narrowed(self) -> bool:
        return any(value not in (None, "") for value in self.__dict__.values())

    def apply(self, jobs: QuerySet) -> QuerySet:
        """The jobs these filters keep (the speaker is matched per segment by the backends)."""
        if self.team_id:
            jobs = jobs.filter(team_id=self.team_id)
        if self.creator_id:
            jobs = jobs.filter(created_by_id=self.creator_id)
        if self.model:
            jobs = jobs.filter(model=self.model)
        if self.language:
            jobs = jobs.filter(transcript__language__iexact=self.language)
        zone = timezone.get_current_timezone()
        if self.date_from:
            jobs = jobs.filter(created_at__gte=datetime.combine(self.date_from, time.min, tzinfo=zone))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=zone)
            jobs = jobs.filter(created_at__lt=end)
        return jobs

    def params(self) -> dict[str, str]:
        values = {
            "team": str(self.team_id or ""),
            "creator": str(self.creator_id or ""),
            "model": self.model,
            "language": self.language,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "speaker": self.speaker,
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class SearchRequest:
    """Everything a search page's address asks for."""

    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: str = RELEVANCE
    page: int = 1
    notices: tuple[str, ...] = ()

    def querystring(self, *, page: int | None = None, **changes: str) -> str:
        """``q=…&team=…`` (no leading "?"), only non-default values; ``changes`` override."""
        params = {"q": self.text, **self.filters.params()}
        if self.sort != RELEVANCE:
            params["sort"] = self.sort
        if page and page > 1:
            params["page"] = str(page)
        params.update(changes)
        return urlencode({key: value for key, value in params.items() if value})


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 18 else None


def _date(value: str | None, label: str, notices: list[str]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        notices.append(f"The {label} date “{value[:20]}” was ignored: dates look like 2025-01-31.")
        return None


def _text(value: str | None, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def parse_request(params: Mapping[str, str]) -> SearchRequest:
    """A ``SearchRequest`` from a query string; never raises."""
    notices: list[str] = []
    date_from = _date(params.get("from"), "from", notices)
    date_to = _date(params.get("to"), "to", notices)
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    filters = SearchFilters(
        team_id=_number(params.get("team")),
        creator_id=_number(params.get("creator")),
        model=_text(params.get("model"), MAX_MODEL),
        language=_text(params.get("language"), MAX_LANGUAGE),
        date_from=date_from,
        date_to=date_to,
        speaker=_text(params.get("speaker"), MAX_SPEAKER),
    )
    sort = (params.get("sort") or "").strip()
    page = _number(params.get("page")) or 1
    return SearchRequest(
        text=(params.get("q") or "")[:20_000],
        filters=filters,
        sort=sort if sort in SORTS else RELEVANCE,
        page=max(1, min(page, 10_000)),
        notices=tuple(notices),
    )


@dataclass(frozen=True)
class FacetOptions:
    """What the filters offer: values found among the finished transcripts the user may see."""

    teams: list[tuple[int, str]]
    creators: list[tuple[int, str]]
    models: list[str]
    languages: list[str]


def facet_options(*, user) -> FacetOptions:
    jobs = Job.objects.visible_to(user).filter(state=JobState.COMPLETED)
    creators = (
        jobs.exclude(created_by=None)
        .values_list("created_by_id", "created_by__username")
        .distinct()
        .order_by("created_by__username")
    )
    languages = (
        jobs.exclude(transcript__language="")
        .exclude(transcript__language=None)
        .values_list("transcript__language", flat=True)
        .distinct()
        .order_by("transcript__language")
    )
    return FacetOptions(
        teams=list(Team.objects.for_user(user).order_by("-personal", "name").values_list("pk", "name")),
        creators=list(creators),
        models=list(jobs.values_list("model", flat=True).distinct().order_by("model")),
        languages=list(languages),
    )
