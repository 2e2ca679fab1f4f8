"""The one access rule for job views, in one place: ``Job.objects.visible_to(request.user)``.

A job of a team you are not in is a 404 whether a page, a fragment, a download or a POST asks.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Job, JobState, Transcript


def job_for(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(
        Job.objects.visible_to(request.user).select_related("team", "created_by"), pk=job_id
    )


def transcript_for(request: HttpRequest, job_id) -> tuple[Job, Transcript]:
    """A visible, completed job and its transcript; 404 while there is none."""
    job = job_for(request, job_id)
    transcript = Transcript.objects.filter(job=job).first() if job.state == JobState.COMPLETED else None
    if transcript is None:
        raise Http404("This job has no transcript.")
    return job, transcript
