"""One job: its page, its live status card, its actions and its audio. Thin views: every rule
lives in ``transcripts.services``.

Access: every job view fetches through ``Job.objects.visible_to(request.user)``, so a job of a
team you are not in is a 404 whether the page, a fragment or a POST asks for it.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from ..models import Job, JobState
from ..providers import find_model
from ..services.keys import NoUsableKey
from ..services.pipeline import cancel_job, retry_job

JOB_EVENT = "job-changed"


def _job_for(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(
        Job.objects.visible_to(request.user).select_related("team", "created_by"), pk=job_id
    )


@login_required
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_for(request, job_id)
    transcript = getattr(job, "transcript", None) if job.state == JobState.COMPLETED else None
    context = {
        "job": job,
        "transcript": transcript,
        "spec": find_model(job.model),
        "nav": "transcripts",
        # Channel labels only help when the channels were transcribed separately.
        "per_channel": transcript is not None
        and len({segment.get("channel", 0) for segment in transcript.segments}) > 1,
    }
    return render(request, "transcripts/job_detail.html", context)


@login_required
@require_GET
def job_status(request: HttpRequest, job_id) -> HttpResponse:
    """The live status card; it stops polling itself once the job is final."""
    job = _job_for(request, job_id)
    response = render(request, "transcripts/_job_status.html", {"job": job})
    if job.is_final and request.GET.get("was") == "active":
        # The page under the card changes once a job ends (transcript, buttons): reload it once.
        trigger_client_event(response, "job-finished", {"id": str(job.pk), "state": job.state})
    return response


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_for(request, job_id)
    if cancel_job(job=job):
        messages.info(request, "Cancelled. A result the provider sends later will be ignored.")
    else:
        messages.warning(request, "This job had already finished.")
    return _after_action(request, job)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_for(request, job_id)
    try:
        retried = retry_job(job=job, by=request.user)
    except NoUsableKey as error:
        messages.error(request, error.message)
    else:
        if retried:
            messages.success(request, "Queued again.")
        else:
            messages.warning(request, "Only failed or cancelled jobs can be retried.")
    return _after_action(request, job)


def _after_action(request: HttpRequest, job: Job) -> HttpResponse:
    if request.htmx:
        job.refresh_from_db()
        response = render(request, "transcripts/_job_status.html", {"job": job})
        return trigger_client_event(response, JOB_EVENT, {"id": str(job.pk), "state": job.state})
    return redirect(job)


@login_required
@require_GET
def job_audio(request: HttpRequest, job_id) -> FileResponse:
    """The uploaded audio, for the player and for download. Never served as HTML."""
    job = _job_for(request, job_id)
    if not job.audio:
        raise Http404("No stored audio for this job")
    try:
        handle = job.audio.open("rb")
    except (FileNotFoundError, ValidationError) as error:
        raise Http404("The audio file is missing") from error
    guessed, _ = mimetypes.guess_type(job.original_filename or job.audio.name)
    content_type = (
        guessed if guessed and guessed.split("/")[0] in ("audio", "video") else "application/octet-stream"
    )
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=request.GET.get("download") == "1",
        filename=job.original_filename or job.audio.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
