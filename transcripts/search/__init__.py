"""Search every word spoken in the transcripts a person may see.

Public API (views call these; services call ``index_job`` whenever what is searchable changes):

    search(user=, query=, filters=, sort=, page=) -> SearchResults   ranked transcripts, snippets
    parse_query(text) -> Query                                       the search box's language
    parse_request(request.GET) -> SearchRequest                      query, filters, sort, page
    facet_options(user=) -> FacetOptions                             what the filters offer
    index_job(job_id=)                                               after a change to a transcript
    rebuild_index()                                                  everything again

One behaviour, two backends (``sqlite.py``: FTS5 and bm25; ``postgres.py``: tsvector, GIN,
ts_rank), chosen by the database in use. Access is never decided here: every search starts from
``Job.objects.visible_to(user)`` (as SQL inside the one query), so results, snippets, counts and
facets only ever include transcripts the person may open, whatever that rule becomes.

Imports: services -> search -> models (never upwards).
"""

from __future__ import annotations

import logging
import math
import uuid
from urllib.parse import urlencode

from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet
from django.utils.html import escape

from ..models import Job, SearchSegment
from . import indexing, postgres, sqlite
from .filters import (
    NEWEST,
    OLDEST,
    RELEVANCE,
    SORTS,
    FacetOptions,
    SearchFilters,
    SearchRequest,
    facet_options,
    parse_request,
)
from .query import MAX_QUERY_LENGTH, Query, parse_query
from .results import Hit, SearchResults, Snippet, has_marks, marked_html
from .types import Found, JobSnippets

__all__ = [
    "MAX_QUERY_LENGTH",
    "NEWEST",
    "OLDEST",
    "RELEVANCE",
    "SORTS",
    "FacetOptions",
    "Hit",
    "Query",
    "SearchFilters",
    "SearchRequest",
    "SearchResults",
    "Snippet",
    "facet_options",
    "index_job",
    "parse_query",
    "parse_request",
    "rebuild_index",
    "search",
]

log = logging.getLogger(__name__)
PER_PAGE = 10
SNIPPETS_PER_HIT = 3
#: At most this many matching segments are ranked and counted for one search (which ones: the
#: backends' CANDIDATE_ORDER), so a very common word costs no more than a rarer one. Only a query
#: said in more segments than this reaches it; the results then say their count is a lower bound
#: and ask for another word (docs/BENCHMARKS.md has what it costs and saves).
CANDIDATES = 5_000
FAILED = "This search could not be run. Try fewer or simpler words."


def _backend():
    return postgres if connection.vendor == "postgresql" else sqlite


def index_job(*, job_id) -> int:
    """Make the index say what the job's transcript says now (or drop it); returns its segments."""
    return indexing.index_job(job_id=job_id, available_configs=_backend().available_configs())


def rebuild_index() -> int:
    return indexing.rebuild_index(available_configs=_backend().available_configs())


def _sql(queryset: QuerySet) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _find(query: Query, jobs: QuerySet, filters: SearchFilters, sort: str, page: int, per_page: int) -> Found:
    common = {
        "query": query,
        "speaker": filters.speaker,
        "sort": sort,
        "limit": per_page,
        "offset": (page - 1) * per_page,
        "candidates": CANDIDATES,
    }
    # The ids of the jobs the user may see, as SQL inside the one query (a set: no ordering).
    jobs_sql, jobs_params = _sql(jobs.order_by().values("pk"))
    return _backend().find(jobs_sql=jobs_sql, jobs_params=jobs_params, **common)


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _moment_url(job: Job, query: Query, segment: dict) -> str:
    params = {"hl": query.highlight}
    if segment["start"] is not None:
        params = {"t": f"{segment['start']:.2f}", **params}
    return f"{job.get_absolute_url()}?{urlencode(params)}#segment-{segment['index']}"


def _hits(user, query: Query, found: Found, filters: SearchFilters) -> list[Hit]:
    ids = [_as_uuid(row.job_id) for row in found.page]
    jobs = {
        job.pk: job
        for job in Job.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("team", "created_by")
        .only("id", "title", "model", "provider", "created_at", "team__name", "created_by__username")
        .annotate(
            transcript_language=F("transcript__language"), transcript_duration=F("transcript__duration")
        )
    }
    page = {row.job_id: row.segment for row in found.page if _as_uuid(row.job_id) in jobs}
    highlights: dict[uuid.UUID, JobSnippets] = {
        _as_uuid(job_id): found_snippets
        for job_id, found_snippets in _backend()
        .snippets(
            query=query,
            page=page,
            speaker=filters.speaker,
            per_job=SNIPPETS_PER_HIT,
            renderings=found.renderings,
        )
        .items()
    }
    segment_ids = [segment_id for job in highlights.values() for segment_id, _ in job.segments]
    segments = {
        segment["id"]: segment
        for segment in SearchSegment.objects.filter(id__in=segment_ids).values(
            "id", "index", "start", "speaker"
        )
    }
    hits = []
    for row in found.page:
        job = jobs.get(_as_uuid(row.job_id))
        if job is None:  # moved out of reach between the two queries
            continue
        marked = highlights.get(job.pk, JobSnippets())
        hit = Hit(
            job=job,
            title_html=marked_html(marked.title, limit=None)
            if has_marks(marked.title)
            else escape(job.title),
            score=row.score,
            matches=marked.moments,
            language=job.transcript_language or "",
            duration=job.transcript_duration,
        )
        # The best moments, shown in the order they were said.
        shown = sorted(
            ((segments[segment_id], text) for segment_id, text in marked.segments if segment_id in segments),
            key=lambda pair: pair[0]["index"],
        )
        best = segments.get(marked.segments[0][0]) if marked.segments else None
        hit.best_url = _moment_url(job, query, best) if best else ""
        for segment, text in shown:
            hit.snippets.append(
                Snippet(
                    index=segment["index"],
                    start=segment["start"],
                    speaker=segment["speaker"],
                    html=marked_html(text),
                    url=_moment_url(job, query, segment),
                )
            )
        hits.append(hit)
    return hits


def search(
    *,
    user,
    query: str | Query,
    filters: SearchFilters | None = None,
    sort: str = RELEVANCE,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchResults:
    """The transcripts ``user`` may open whose words match ``query``, best (or newest) first, one
    page of them with up to three highlighted moments each; never raises for any input."""
    parsed = query if isinstance(query, Query) else parse_query(query)
    filters = filters or SearchFilters()
    sort = sort if sort in SORTS else RELEVANCE
    page = max(1, page)
    results = SearchResults(query=parsed, page=page, per_page=per_page, notices=list(parsed.notices))
    if parsed.is_empty or not user.is_authenticated:
        return results
    jobs = filters.apply(Job.objects.visible_to(user))
    try:
        with transaction.atomic():
            found = _find(parsed, jobs, filters, sort, page, per_page)
            if not found.page and found.total and page > 1:  # past the last page: show the last
                page = math.ceil(found.total / per_page)
                found = _find(parsed, jobs, filters, sort, page, per_page)
            results.hits = _hits(user, parsed, found, filters)
    except DatabaseError:
        log.exception("search failed for %r", parsed.text)
        results.notices.append(FAILED)
        return results
    results.page = page
    results.total = found.total
    results.team_counts = found.team_counts
    results.capped = found.capped
    return results
