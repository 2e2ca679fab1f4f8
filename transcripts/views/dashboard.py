"""The home page and the Search placeholder."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..context_processors import current_team
from ..models import Job

RECENT_JOBS = 10


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    recent = (
        Job.objects.visible_to(request.user)
        .select_related("team", "created_by")
        .defer("options")[:RECENT_JOBS]
    )
    active_count = Job.objects.visible_to(request.user).active().count()
    context = {"team": team, "recent_jobs": recent, "active_count": active_count, "nav": "dashboard"}
    return render(request, "dashboard/dashboard.html", context)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/search.html", {"nav": "search"})
