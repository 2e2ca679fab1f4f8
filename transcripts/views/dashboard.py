"""The home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..context_processors import current_team
from ..models import Job
from ..services.job_queries import live_state, recent_jobs, rows_version

RECENT_JOBS = 10


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The home page. Its recent jobs are the page's live region: while any job is active,
    static/js/live.js refetches them (an htmx request gets that fragment only)."""
    recent = recent_jobs(user=request.user, limit=RECENT_JOBS)
    active_count = Job.objects.visible_to(request.user).active().count()
    version = rows_version(recent, active_count)
    context = {
        "recent_jobs": recent,
        "active_count": active_count,
        "live": live_state(recent),
        "live_version": version,
    }
    if request.htmx and not request.htmx.history_restore_request:
        if request.GET.get("live") == version:
            return HttpResponse(status=204, content_type="text/plain")  # a poll, and nothing changed
        return render(request, "dashboard/dashboard.html#recent-jobs", context)
    context.update(team=current_team(request), nav="dashboard")
    return render(request, "dashboard/dashboard.html", context)
