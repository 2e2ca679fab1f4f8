"""The Transcripts list: filters, sort and pages, live rows, and bulk delete / move / export.

Access: every job comes through ``Job.objects.visible_to(request.user)`` (the list through
``services.job_queries.list_jobs``); the bulk POST re-fetches the ids it is sent the same way, so
ids of jobs the user cannot see are ignored. An htmx request (the filter form, a page link, the
live poll, a bulk action) gets the rows fragment only; a full request gets the page.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from ..models import Job, Team
from ..services.exports import FORMATS, ExportOptions, export_many
from ..services.job_actions import JobActionRefused, delete_jobs, move_jobs
from ..services.job_queries import (
    SORT_CHOICES,
    STATE_CHOICES,
    JobFilters,
    jobs_page,
    live_state,
    model_groups,
    model_labels,
    page_rows,
    parse_filters,
    rows_version,
)

PAGE_SIZE = 25
MAX_BULK = 500  # ids in one bulk POST; a page has PAGE_SIZE rows
EXPORT_FORMATS = ("txt", "srt", "vtt", "docx", "json")
PAGE = "transcripts/job_list.html"
ROWS = "transcripts/job_list.html#job-rows"
FILTER_FORM_ID = "job-filters"  # its requests put the filtered list's address in the history
MANAGERS_ONLY = "only the person who made a transcript or its team's owners and admins can"


def _plural(count: int, word: str = "transcript") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _list_url(filters: JobFilters, page: int | None = None) -> str:
    query = filters.querystring(page=page)
    return reverse("job_list") + (f"?{query}" if query else "")


def _rows_context(request: HttpRequest, filters: JobFilters, page_number, rows=None) -> dict:
    page = jobs_page(user=request.user, filters=filters, number=page_number, per_page=PAGE_SIZE, rows=rows)
    rows_url = _list_url(filters, page.number)
    version = rows_version(page.object_list, page.number)
    return {
        "page": page,
        "filters": filters,
        "query": filters.querystring(page=page.number),
        "version": version,
        "poll_url": f"{rows_url}{'&' if '?' in rows_url else '?'}live={version}",
        "previous_url": _list_url(filters, page.previous_page_number()) if page.has_previous() else "",
        "next_url": _list_url(filters, page.next_page_number()) if page.has_next() else "",
        "live": live_state(page.object_list),
    }


def _wants_rows(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page(request: HttpRequest, filters: JobFilters | None, page_number, **extra) -> HttpResponse:
    teams = list(Team.objects.for_user(request.user))
    if filters is None:
        filters = parse_filters(query=request.GET, team_ids={team.pk for team in teams})
    context = {
        **_rows_context(request, filters, page_number),
        "model_labels": model_labels(),
        "teams": teams,
        "state_choices": STATE_CHOICES,
        "sort_choices": SORT_CHOICES,
        "model_choices": model_groups(),
        "export_formats": [FORMATS[key] for key in EXPORT_FORMATS],
        "nav": "transcripts",
        **extra,
    }
    return render(request, PAGE, context)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    if not _wants_rows(request):
        return _page(request, None, request.GET.get("page"))
    filters = parse_filters(query=request.GET)
    page_number, rows = request.GET.get("page"), None
    if "live" in request.GET:  # a poll: compare the rows it shows first, count only if they changed
        page_number = (
            int(page_number) if (page_number or "").isdigit() and 0 < int(page_number) < 10**6 else 1
        )
        rows = page_rows(user=request.user, filters=filters, number=page_number, per_page=PAGE_SIZE)
        if rows_version(rows, page_number) == request.GET["live"]:
            return HttpResponse(status=204, content_type="text/plain")  # nothing changed
    context = _rows_context(request, filters, page_number, rows)
    response = render(request, ROWS, {**context, "model_labels": model_labels()})
    if request.htmx.trigger == FILTER_FORM_ID:
        push_url(response, _list_url(filters))  # the tidy address, not every empty field
    return response


def _selected(request: HttpRequest) -> list[Job]:
    ids = []
    for value in request.POST.getlist("ids")[:MAX_BULK]:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    if not ids:
        return []
    jobs = Job.objects.visible_to(request.user).filter(pk__in=ids).select_related("team")
    return list(jobs.defer("options").order_by("-created_at"))


@login_required
@require_POST
def job_bulk(request: HttpRequest) -> HttpResponse:
    """Delete, move or export the checked jobs, then show the list as it was filtered."""
    back = QueryDict(request.POST.get("back", ""))
    filters, page_number = parse_filters(query=back), back.get("page")
    action = request.POST.get("action", "")
    jobs = _selected(request)
    if not jobs:
        messages.warning(request, "Select at least one transcript first.")
    elif action == "export":
        exported = _export(request, jobs)
        if exported is not None:
            return exported
    elif action == "delete":
        if request.POST.get("confirmed") != "1":  # without JavaScript: ask on a page first
            return _page(request, filters, page_number, confirm_delete=jobs, back=back.urlencode())
        _delete(request, jobs)
    elif action == "move":
        _move(request, jobs)
    else:
        messages.error(request, "Choose what to do with the selected transcripts.")
    if _wants_rows(request):
        context = _rows_context(request, filters, page_number)
        return render(request, ROWS, {**context, "model_labels": model_labels()})
    page = int(page_number) if (page_number or "").isdigit() else None
    return redirect(_list_url(filters, page))


def _delete(request: HttpRequest, jobs: list[Job]) -> None:
    result = delete_jobs(jobs=jobs, by=request.user)
    if result.done:
        messages.success(request, f"Deleted {_plural(len(result.done))}.")
    if result.refused:
        messages.warning(request, f"{_plural(len(result.refused))} not deleted: {MANAGERS_ONLY} delete it.")


def _move(request: HttpRequest, jobs: list[Job]) -> None:
    team_id = request.POST.get("team", "")
    team = Team.objects.for_user(request.user).filter(pk=team_id).first() if team_id.isdigit() else None
    if team is None:
        messages.error(request, "Choose one of your teams to move the transcripts to.")
        return
    try:
        result = move_jobs(jobs=jobs, team=team, by=request.user)
    except JobActionRefused as error:
        messages.error(request, " ".join(error.messages))
        return
    already = len(jobs) - len(result.done) - len(result.refused)
    if result.done:
        messages.success(request, f"Moved {_plural(len(result.done))} to {team.name}.")
    if already:
        messages.info(request, f"{_plural(already)} already in {team.name}.")
    if result.refused:
        messages.warning(request, f"{_plural(len(result.refused))} not moved: {MANAGERS_ONLY} move it.")


def _export(request: HttpRequest, jobs: list[Job]) -> HttpResponse | None:
    """A zip with one file per finished job; None (and a message) when there is nothing to send."""
    fmt = request.POST.get("format", "")
    if fmt not in EXPORT_FORMATS:
        messages.error(request, "Choose an export format.")
        return None
    with_transcripts = Job.objects.filter(pk__in=[job.pk for job in jobs]).select_related("transcript")
    finished = [job for job in with_transcripts.order_by("-created_at") if hasattr(job, "transcript")]
    if not finished:
        messages.warning(request, "None of the selected transcripts has finished: nothing to export.")
        return None
    exported = export_many(jobs=finished, fmt=fmt, options=ExportOptions())
    return HttpResponse(
        exported.content,
        content_type=exported.content_type,
        headers={"Content-Disposition": content_disposition_header(True, exported.filename)},
    )
