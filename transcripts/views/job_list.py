"""The Transcripts list. Access: only jobs of the user's teams (``visible_to``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import Job, JobState


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).select_related("team", "created_by", "transcript")
    state = request.GET.get("state", "")
    if state in JobState.values:
        jobs = jobs.filter(state=state)
    page = Paginator(jobs.defer("options"), 25).get_page(request.GET.get("page"))
    template = "transcripts/job_list.html#job-rows" if request.htmx else "transcripts/job_list.html"
    any_active = any(job.is_active for job in page)
    context = {"page": page, "nav": "transcripts", "state": state, "any_active": any_active}
    return render(request, template, context)
