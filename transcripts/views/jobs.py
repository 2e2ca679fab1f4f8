"""One job: its page, its live status card, its actions and its audio. Thin views: every rule
lives in ``transcripts.services``.

Access: every job view fetches through ``Job.objects.visible_to(request.user)``, so a job of a
team you are not in is a 404 whether the page, a fragment or a POST asks for it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from ..models import Job, JobState, Team, Transcript, Visibility
from ..services.exports import FORMATS
from ..services.job_actions import JobActionRefused, delete_job, move_job, rename_job, set_visibility
from ..services.job_queries import live_version
from ..services.keys import NoUsableKey
from ..services.permissions import Action, allowed, require
from ..services.pipeline import cancel_job, retry_job
from ..services.sharing import links_of
from ..services.transcript_edits import history, latest_edits
from ..services.transcript_view import shown_segments, speakers_of
from .access import job_for
from .ranges import audio_response

JOB_EVENT = "job-changed"


def _moment(request: HttpRequest) -> float | None:
    """``?t=83.5`` (seconds), the moment a shared link points at; None when absent or nonsense."""
    try:
        seconds = float(request.GET.get("t", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds < 10**7 else None


def _audio_url(job: Job) -> str:
    if job.audio:
        return reverse("job_audio", args=[job.pk])
    # A cloud URL job never downloads the audio here: the player plays the original address.
    return job.source_url if job.source == Job.Source.URL else ""


@login_required
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = job_for(request, job_id)
    transcript = Transcript.objects.filter(job=job).first() if job.state == JobState.COMPLETED else None
    moment = _moment(request)
    context = {"job": job, "transcript": transcript, "nav": "transcripts", "moment": moment}
    if transcript is not None:
        segments = shown_segments(transcript)
        context.update(
            segments=segments,
            current_index=next(
                (seg.index for seg in segments if moment is not None and (seg.end or 0) >= moment), None
            ),
            speakers=speakers_of(transcript),
            undoable=latest_edits(transcript=transcript),
            edits=history(transcript=transcript),
            formats=FORMATS.values(),
            audio_url=_audio_url(job),
            per_channel=len({segment.channel for segment in segments}) > 1,
            insights=transcript.insights or {},
        )
    context.update(
        allowed=(actions := allowed(user=request.user, job=job)),
        can_edit=Action.EDIT in actions,
        other_teams=Team.objects.for_user(request.user).exclude(pk=job.team_id).order_by("-personal", "name"),
        visibilities=Visibility.choices,
        share_links=links_of(job=job) if job.state == JobState.COMPLETED else [],
    )
    template = "transcripts/job_detail.html#transcript" if request.htmx else "transcripts/job_detail.html"
    return render(request, template, context)


@login_required
@require_GET
def job_status(request: HttpRequest, job_id) -> HttpResponse:
    """The live status card (static/js/live.js polls it). A poll sends back the version it shows
    (``?live=``): while nothing on the card changed the answer is 204 No Content, with no render.
    Once the job is final the card stops polling and the page hears ``job-finished``."""
    job = job_for(request, job_id)
    version = live_version(job.state, job.progress, job.error_message, job.key_label, job.audio.name)
    if request.GET.get("live") == version:
        return HttpResponse(status=204, content_type="text/plain")
    response = render(request, "transcripts/_job_status.html", {"job": job, "live_version": version})
    if job.is_final and request.GET.get("was") == "active":
        # The page under the card changes once a job ends (transcript, buttons): reload it once.
        trigger_client_event(response, "job-finished", {"id": str(job.pk), "state": job.state})
    return response


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = job_for(request, job_id)
    require(user=request.user, action=Action.RUN, job=job)
    if cancel_job(job=job):
        messages.info(request, "Cancelled. A result the provider sends later will be ignored.")
    else:
        messages.warning(request, "This job had already finished.")
    return _after_action(request, job)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id) -> HttpResponse:
    job = job_for(request, job_id)
    require(user=request.user, action=Action.RUN, job=job)
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
def job_audio(request: HttpRequest, job_id) -> HttpResponse:
    """The stored audio, for the player (HTTP Range: seek anywhere) and for download. Never HTML."""
    job = job_for(request, job_id)
    return audio_response(request, job, download=request.GET.get("download") == "1")


# --- Rename, delete, move ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def job_rename(request: HttpRequest, job_id) -> HttpResponse:
    """GET (htmx): the title's inline form, or the title again (``?cancel=1``). POST: save it."""
    job = job_for(request, job_id)
    require(user=request.user, action=Action.RENAME, job=job)
    context = {"job": job, "renaming": request.method == "GET" and request.GET.get("cancel") != "1"}
    if request.method == "POST":
        try:
            rename_job(job=job, title=request.POST.get("title", ""), by=request.user)
        except JobActionRefused as refusal:
            context.update(renaming=True, error=refusal.message)
            return render(request, "transcripts/job_detail.html#job-title", context, status=422)
        if not request.htmx:
            messages.success(request, "Renamed.")
            return redirect(job)
    if not request.htmx:
        return redirect(job)
    return render(request, "transcripts/job_detail.html#job-title", context)


@login_required
@require_http_methods(["GET", "POST"])
def job_delete(request: HttpRequest, job_id) -> HttpResponse:
    """GET: a confirmation page (works with no JavaScript). POST: delete the job and its audio."""
    job = job_for(request, job_id)
    require(user=request.user, action=Action.DELETE, job=job)
    if request.method == "GET":
        return render(request, "transcripts/job_delete.html", {"job": job, "nav": "transcripts"})
    try:
        delete_job(job=job, by=request.user)
    except JobActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(job)
    messages.success(request, f"Deleted “{job.title}” and its audio.")
    return redirect("job_list")


@login_required
@require_POST
def job_move(request: HttpRequest, job_id) -> HttpResponse:
    job = job_for(request, job_id)
    require(user=request.user, action=Action.MOVE, job=job)
    team = Team.objects.for_user(request.user).filter(pk=request.POST.get("team") or 0).first()
    if team is None:
        messages.error(request, "Choose one of your teams.")
        return redirect(job)
    try:
        move_job(job=job, team=team, by=request.user)
    except JobActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Moved to {team.name}. Its members can see it now.")
    return redirect(job)


@login_required
@require_POST
def job_visibility(request: HttpRequest, job_id) -> HttpResponse:
    job = job_for(request, job_id)
    require(user=request.user, action=Action.VISIBILITY, job=job)
    try:
        set_visibility(job=job, visibility=request.POST.get("visibility", ""), by=request.user)
    except JobActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        private = job.visibility == Visibility.PRIVATE
        messages.success(
            request, "Only you see it now." if private else f"Everyone in {job.team.name} sees it now."
        )
    return redirect(job)
