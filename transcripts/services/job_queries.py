"""Which jobs a list shows and in what order: the Transcripts list's filters and sort orders, the
lean rows the list and the dashboard draw, and what their live regions poll with (the version of
what a region shows, and the newest active job's age for static/js/live.js).

A query string becomes a ``JobFilters`` (``parse_filters``: unknown or malformed values fall back
to "no filter", never an error), and ``list_jobs`` turns it into one queryset over the jobs the
user may see (``Job.objects.visible_to``). Rows load only the columns a row shows: the
transcript's duration comes as an annotation, never its segments or words.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from ..models import Job, JobState
from ..models.jobs import ACTIVE_STATES
from ..providers import all_models

MAX_TEXT = 200
MAX_MODEL = 80  # Job.model's length


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


#: The status filter: "In progress" is every active state, "Failed" includes cancelled jobs.
STATE_GROUPS: dict[str, tuple[JobState, ...]] = {
    "active": tuple(ACTIVE_STATES),
    "completed": (JobState.COMPLETED,),
    "failed": (JobState.FAILED, JobState.CANCELLED),
}
STATE_CHOICES = (
    Choice("", "All"),
    Choice("active", "In progress"),
    Choice("completed", "Completed"),
    Choice("failed", "Failed"),
)
SORTS: dict[str, tuple] = {
    "newest": ("-created_at",),
    "oldest": ("created_at",),
    "title": (Lower("title"), "-created_at"),
    "longest": (F("duration").desc(nulls_last=True), "-created_at"),
    "shortest": (F("duration").asc(nulls_last=True), "-created_at"),
}
SORT_CHOICES = (
    Choice("newest", "Newest first"),
    Choice("oldest", "Oldest first"),
    Choice("title", "Title A–Z"),
    Choice("longest", "Longest first"),
    Choice("shortest", "Shortest first"),
)
DEFAULT_SORT = "newest"
#: What a row reads. Anything else a template touches would cost one query per row.
ROW_FIELDS = (
    "id",
    "title",
    "state",
    "progress",
    "model",
    "provider",
    "source",
    "original_filename",
    "source_url",
    "created_at",
    "team__name",
    "created_by__username",
)


@dataclass(frozen=True)
class JobFilters:
    text: str = ""
    team_id: int | None = None
    model: str = ""
    state: str = ""  # a key of STATE_GROUPS, or "" for all
    sort: str = DEFAULT_SORT

    @property
    def narrowed(self) -> bool:
        """True when a filter hides some jobs (the sort order does not)."""
        return bool(self.text or self.team_id or self.model or self.state)

    def params(self) -> dict[str, str]:
        """The non-default values, as query parameters."""
        values = {
            "q": self.text,
            "team": str(self.team_id or ""),
            "model": self.model,
            "state": self.state,
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
        }
        return {key: value for key, value in values.items() if value}

    def querystring(self, *, page: int | None = None) -> str:
        """``q=…&state=…`` (no leading "?"), with ``page`` when it is not the first."""
        params = self.params()
        if page and page > 1:
            params["page"] = str(page)
        return urlencode(params)


def _state_group(value: str) -> str:
    if value in STATE_GROUPS:
        return value
    # Old links name a single state (?state=processing): show its whole group.
    return next((key for key, states in STATE_GROUPS.items() if value in states), "")


def _team_id(value: str, allowed: Collection[int] | None) -> int | None:
    try:
        team_id = int(value)
    except (TypeError, ValueError):
        return None
    return team_id if allowed is None or team_id in allowed else None


def parse_filters(*, query: Mapping[str, str], team_ids: Collection[int] | None = None) -> JobFilters:
    """The filters a query string asks for. ``team_ids`` (the user's teams) limits the team filter;
    without it any number is kept (``visible_to`` still limits what it can show)."""
    model = (query.get("model") or "").strip()
    sort = (query.get("sort") or "").strip()
    return JobFilters(
        text=" ".join((query.get("q") or "").split())[:MAX_TEXT],
        team_id=_team_id(query.get("team") or "", team_ids),
        model=model if len(model) <= MAX_MODEL else "",
        state=_state_group((query.get("state") or "").strip()),
        sort=sort if sort in SORTS else DEFAULT_SORT,
    )


def with_row_columns(jobs: QuerySet) -> QuerySet:
    """Only what a row draws: the team's name, the creator's name and the transcript's duration."""
    return (
        jobs.select_related("team", "created_by")
        .only(*ROW_FIELDS)
        .annotate(duration=F("transcript__duration"))
    )


def matching_jobs(*, user, filters: JobFilters) -> QuerySet:
    """The jobs the user may see that match ``filters`` (unordered, no extra columns)."""
    jobs = Job.objects.visible_to(user)
    if filters.text:
        jobs = jobs.filter(title__icontains=filters.text)
    if filters.team_id:
        jobs = jobs.filter(team_id=filters.team_id)
    if filters.model:
        jobs = jobs.filter(model=filters.model)
    if filters.state:
        jobs = jobs.filter(state__in=STATE_GROUPS[filters.state])
    return jobs


def list_jobs(*, user, filters: JobFilters) -> QuerySet:
    """The matching jobs in the asked order, as lean rows."""
    return with_row_columns(matching_jobs(user=user, filters=filters)).order_by(*SORTS[filters.sort])


class _Paginator(Paginator):
    """Counts the matching jobs without the joins and columns the rows need."""

    def __init__(self, rows: QuerySet, per_page: int, *, matching: QuerySet) -> None:
        super().__init__(rows, per_page)
        self._matching = matching

    @cached_property
    def count(self) -> int:
        return self._matching.count()


def jobs_page(*, user, filters: JobFilters, number, per_page: int, rows: list[Job] | None = None) -> Page:
    """One page of the list: a COUNT of the matching jobs, then the page's rows (two queries).
    A number out of range gives the last page, a malformed one the first. ``rows`` already read
    by ``page_rows`` for page ``number`` are used as they are (the count then waits until a
    template asks for it)."""
    matching = matching_jobs(user=user, filters=filters)
    paginator = _Paginator(
        with_row_columns(matching).order_by(*SORTS[filters.sort]), per_page, matching=matching
    )
    if rows and isinstance(number, int):
        return Page(rows, number, paginator)
    page = paginator.get_page(number)
    page.object_list = list(page.object_list)  # evaluated once, whatever the template reads
    return page


def page_rows(*, user, filters: JobFilters, number: int, per_page: int) -> list[Job]:
    """The rows of page ``number`` (1-based) without counting: what a live poll compares."""
    start = (max(number, 1) - 1) * per_page
    return list(list_jobs(user=user, filters=filters)[start : start + per_page])


def recent_jobs(*, user, limit: int) -> list[Job]:
    """The newest jobs the user may see (the dashboard), as lean rows."""
    return list(with_row_columns(Job.objects.visible_to(user)).order_by("-created_at")[:limit])


def _short(label: str) -> str:
    return label.split(" — ")[0]  # "Whisper tiny.en — English, fastest" -> "Whisper tiny.en"


def model_labels() -> dict[str, str]:
    """Model id → its short label, for every model of every provider (no query)."""
    return {spec.id: _short(spec.label) for spec in all_models()}


def model_groups() -> list[tuple[str, list[Choice]]]:
    """The models as (group, choices), for the model filter's <optgroup>s."""
    groups: dict[str, list[Choice]] = {}
    for spec in all_models():
        groups.setdefault(spec.group, []).append(Choice(spec.id, _short(spec.label)))
    return list(groups.items())


def live_version(*values: object) -> str:
    """A short fingerprint of what a live region shows. The region's poll sends it back
    (``?live=…``) and the view answers 204 No Content while it is unchanged, without rendering."""
    return hashlib.blake2s(repr(values).encode(), digest_size=8).hexdigest()


def rows_version(jobs: Collection[Job], *shown: object) -> str:
    """The fingerprint of rows (from ``with_row_columns``) and whatever else the region ``shown``
    (a page number, a count), and of the minute: the rows say "2 minutes ago". The list's total
    is left out, so an unchanged poll needs no COUNT (it shows anew with the next change)."""
    rows = [
        (job.pk, job.title, job.state, job.progress, job.duration, job.model, job.team.name) for job in jobs
    ]
    return live_version(*shown, rows, int(time.time() // 60))


@dataclass(frozen=True)
class LiveState:
    """What the page's live region tells static/js/live.js: how many shown jobs are active and when
    the newest of them was created (its age sets the polling interval)."""

    active: int = 0
    newest_created_at: datetime | None = None


def live_state(jobs: Collection[Job]) -> LiveState:
    active = [job for job in jobs if job.is_active]
    if not active:
        return LiveState()
    return LiveState(active=len(active), newest_created_at=max(job.created_at for job in active))
