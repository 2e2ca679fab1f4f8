"""The transcript of one job, worked on: corrected segments, named speakers, history, downloads.

htmx answers are the changed fragment (a segment, the speakers panel) plus an ``HX-Trigger`` event
whose listeners on the page refetch what else shows the change:

- ``transcript-edited``: the history panel refetches itself.
- ``speakers-changed``: the segments, the speakers panel and the history refetch themselves.

Access: ``transcript_for`` (the one ``visible_to`` rule) for every view, GET and POST alike.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from ..models import TranscriptEdit
from ..services.exports import FORMATS, export_transcript, options_from
from ..services.permissions import Action, can, require
from ..services.transcript_edits import (
    EditRefused,
    correct_segment,
    history,
    latest_edits,
    rename_speaker,
    undo_edit,
)
from ..services.transcript_view import shown_segments, speakers_of
from .access import transcript_for

PAGE = "transcripts/job_detail.html"


def _can_edit(request: HttpRequest, job) -> bool:
    return can(user=request.user, action=Action.EDIT, job=job)


EDITED = "transcript-edited"
SPEAKERS_CHANGED = "speakers-changed"


def _segment_context(
    job, transcript, index: int, *, can_edit: bool, editing: bool = False, error: str = ""
) -> dict:
    segments = shown_segments(transcript)
    if not 0 <= index < len(segments):
        raise Http404("No such segment.")
    segment = segments[index]
    segment.speaker_changed = True  # shown on its own, the segment names its speaker
    return {
        "job": job,
        "segment": segment,
        "undoable": latest_edits(transcript=transcript),
        "editing": editing,
        "error": error,
        "can_edit": can_edit,
        "per_channel": len({item.channel for item in segments}) > 1,
    }


@login_required
@require_http_methods(["GET", "POST"])
def segment(request: HttpRequest, job_id, index: int) -> HttpResponse:
    """GET: the segment (``?edit=1``: its correction form). POST: save the corrected text."""
    job, transcript = transcript_for(request, job_id)
    if request.method == "GET" and request.GET.get("edit") != "1":
        return render(
            request,
            f"{PAGE}#segment",
            _segment_context(job, transcript, index, can_edit=_can_edit(request, job)),
        )
    require(user=request.user, action=Action.EDIT, job=job)
    if request.method == "GET":
        return render(
            request,
            f"{PAGE}#segment",
            _segment_context(job, transcript, index, can_edit=_can_edit(request, job), editing=True),
        )
    try:
        edit = correct_segment(
            transcript=transcript, index=index, text=request.POST.get("text", ""), by=request.user
        )
    except EditRefused as refusal:
        context = _segment_context(
            job, transcript, index, can_edit=_can_edit(request, job), editing=True, error=refusal.message
        )
        return render(request, f"{PAGE}#segment", context, status=422 if request.htmx else 400)
    transcript.refresh_from_db()
    if not request.htmx:
        messages.success(request, "Correction saved." if edit else "Nothing changed.")
        return redirect(f"{job.get_absolute_url()}#segment-{index}")
    response = render(
        request, f"{PAGE}#segment", _segment_context(job, transcript, index, can_edit=_can_edit(request, job))
    )
    return trigger_client_event(response, EDITED, {"segment": index}) if edit else response


@login_required
@require_POST
def undo(request: HttpRequest, job_id, edit_id: int) -> HttpResponse:
    job, transcript = transcript_for(request, job_id)
    require(user=request.user, action=Action.EDIT, job=job)
    edit = get_object_or_404(TranscriptEdit, pk=edit_id, transcript=transcript)
    try:
        undone = undo_edit(edit=edit, by=request.user)
    except EditRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(job) if not request.htmx else HttpResponse(status=204)
    transcript.refresh_from_db()
    if not request.htmx:
        messages.success(request, "Undone.")
        return redirect(job)
    if undone.kind == TranscriptEdit.Kind.SPEAKER:  # from the history panel: the listeners refetch
        return trigger_client_event(HttpResponse(""), SPEAKERS_CHANGED, {})
    response = render(
        request,
        f"{PAGE}#segment",
        _segment_context(job, transcript, undone.segment, can_edit=_can_edit(request, job)),
    )
    return trigger_client_event(response, EDITED, {"segment": undone.segment})


@login_required
@require_http_methods(["GET", "POST"])
def speakers(request: HttpRequest, job_id) -> HttpResponse:
    """GET: the speakers panel (``?rename=<label>``: with that speaker's form). POST: rename one."""
    job, transcript = transcript_for(request, job_id)
    context = {
        "job": job,
        "speakers": speakers_of(transcript),
        "renaming": request.GET.get("rename"),
        "can_edit": _can_edit(request, job),
    }
    if request.method == "GET" and not context["renaming"]:
        return render(request, f"{PAGE}#speakers", context)
    require(user=request.user, action=Action.EDIT, job=job)
    if request.method == "GET":
        return render(request, f"{PAGE}#speakers", context)
    label = request.POST.get("speaker", "")
    try:
        edit = rename_speaker(
            transcript=transcript, speaker=label, name=request.POST.get("name", ""), by=request.user
        )
    except EditRefused as refusal:
        context.update(renaming=label, error=refusal.message)
        return render(request, f"{PAGE}#speakers", context, status=422 if request.htmx else 400)
    transcript.refresh_from_db()
    if not request.htmx:
        messages.success(request, "Speaker renamed." if edit else "Nothing changed.")
        return redirect(job)
    response = render(
        request, f"{PAGE}#speakers", {**context, "speakers": speakers_of(transcript), "renaming": None}
    )
    return trigger_client_event(response, SPEAKERS_CHANGED, {}) if edit else response


@login_required
@require_GET
def segments(request: HttpRequest, job_id) -> HttpResponse:
    """Every segment (after a speaker was renamed, they all show the new name)."""
    job, transcript = transcript_for(request, job_id)
    shown = shown_segments(transcript)
    context = {
        "job": job,
        "segments": shown,
        "undoable": latest_edits(transcript=transcript),
        "per_channel": len({segment.channel for segment in shown}) > 1,
        "can_edit": _can_edit(request, job),
    }
    return render(request, f"{PAGE}#segments", context)


@login_required
@require_GET
def edit_history(request: HttpRequest, job_id) -> HttpResponse:
    job, transcript = transcript_for(request, job_id)
    context = {"job": job, "edits": history(transcript=transcript), "can_edit": _can_edit(request, job)}
    return render(request, f"{PAGE}#history", context)


@login_required
@require_GET
def export(request: HttpRequest, job_id) -> HttpResponse:
    """``?format=`` one of ``FORMATS``, with speakers and timestamps unless unticked."""
    job, transcript = transcript_for(request, job_id)
    fmt = request.GET.get("format", "txt")
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    exported = export_transcript(job=job, transcript=transcript, fmt=fmt, options=options_from(request.GET))
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exported.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
