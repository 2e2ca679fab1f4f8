"""Share links: the panel on a transcript's page, the team's list, and the public page.

Team side (signed in): the job through ``job_for`` (the ``visible_to`` rule, 404 otherwise), and
making or revoking a link through ``services.sharing`` (the permissions table says who may).
Public side (``/s/<token>/``): only that transcript, no way into the app, ``noindex``, no referrer.
An expired, revoked or unknown link says so without the transcript's title.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from ..models import JobState, ShareLink, Team, Transcript
from ..services import sharing
from ..services.exports import FORMATS, export_transcript, options_from
from ..services.permissions import Action, can, require
from ..services.teams import membership_of
from ..services.transcript_view import shown_segments, speakers_of
from .access import job_for
from .ranges import audio_response

PANEL = "sharing/_panel.html"
PUBLIC = "sharing/public.html"


def _panel_context(request: HttpRequest, job, **extra) -> dict:
    return {
        "job": job,
        "links": sharing.links_of(job=job),
        "may_share": can(user=request.user, action=Action.SHARE, job=job),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def job_shares(request: HttpRequest, job_id) -> HttpResponse:
    """GET: the links of one transcript. POST: make one (its address is shown once)."""
    job = job_for(request, job_id)
    if request.method == "GET":
        return render(request, PANEL, _panel_context(request, job))
    require(user=request.user, action=Action.SHARE, job=job)
    try:
        expires_at = sharing.expiry_from(
            choice=request.POST.get("expires", ""), on=parse_date(request.POST.get("expires_on") or "")
        )
        link, token = sharing.create_share_link(
            job=job,
            by=request.user,
            expires_at=expires_at,
            label=request.POST.get("label", ""),
            password=request.POST.get("password", ""),
            include_audio=request.POST.get("include_audio") == "on",
            include_downloads=request.POST.get("include_downloads") == "on",
        )
    except sharing.ShareRefused as refusal:
        context = _panel_context(request, job, error=refusal.message)
        return render(request, PANEL, context, status=422 if request.htmx else 400)
    url = request.build_absolute_uri(f"/s/{token}/")
    response = render(request, PANEL, _panel_context(request, job, new_link=link, new_url=url))
    response["Cache-Control"] = "no-store"  # the address is in this answer, once
    return response


@login_required
@require_POST
def share_revoke(request: HttpRequest, job_id, link_id: int) -> HttpResponse:
    job = job_for(request, job_id)
    require(user=request.user, action=Action.SHARE, job=job)
    link = get_object_or_404(ShareLink, pk=link_id, job=job)
    sharing.revoke_share_link(link=link, by=request.user)
    messages.success(request, "The link is revoked: it no longer opens the transcript.")
    if request.htmx:
        return render(request, PANEL, _panel_context(request, job))
    return redirect(job)


@login_required
@require_http_methods(["GET", "POST"])
def team_shares(request: HttpRequest, pk: int) -> HttpResponse:
    """Every live link of a team and the latest openings, for its owners and admins."""
    team = get_object_or_404(Team.objects.for_user(request.user), pk=pk)
    membership = membership_of(team=team, user=request.user)
    if membership is None or not membership.can_manage:
        raise PermissionDenied("Only the team's owners and admins see all of its share links.")
    if request.method == "POST":
        link = get_object_or_404(ShareLink, pk=request.POST.get("link") or 0, job__team=team)
        sharing.revoke_share_link(link=link, by=request.user)
        messages.success(request, f"Revoked the link to “{link.job.title}”.")
        return redirect("team_shares", pk=team.pk)
    context = {
        "team": team,
        "links": sharing.live_links_of_team(team=team),
        "accesses": sharing.recent_accesses(team=team),
        "nav": "team",
    }
    return render(request, "sharing/team_shares.html", context)


# --- The public side -------------------------------------------------------------------------


def _public(response: HttpResponse, *, referrer: str = "no-referrer") -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = referrer
    response["Cache-Control"] = "private, no-store"
    return response


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _refusal(request: HttpRequest, outcome: str, status: int) -> HttpResponse:
    return _public(render(request, "sharing/unavailable.html", {"outcome": outcome}, status=status))


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    link = sharing.find(token)
    if request.method == "POST" and link is not None:
        opening = sharing.try_password(
            link=link,
            password=request.POST.get("password", ""),
            session=request.session,
            address=_address(request),
        )
        if opening.ok:
            return _public(redirect(request.get_full_path()))
    else:
        opening = sharing.visit(link=link, session=request.session, address=_address(request))
    if opening.outcome in ("missing", sharing.Outcome.EXPIRED, sharing.Outcome.REVOKED):
        return _refusal(request, opening.outcome, 404 if opening.outcome == "missing" else 410)
    if not opening.ok:
        context = {"outcome": opening.outcome, "token": token}
        status = (
            429 if opening.outcome == sharing.Outcome.THROTTLED else 401 if request.method == "POST" else 200
        )
        # The password form posts to its own origin, which a no-referrer policy would hide (CSRF).
        return _public(
            render(request, "sharing/password.html", context, status=status), referrer="same-origin"
        )
    job = link.job
    transcript = Transcript.objects.filter(job=job).first() if job.state == JobState.COMPLETED else None
    if transcript is None:
        return _refusal(request, "missing", 404)
    try:
        moment = float(request.GET.get("t", ""))
    except ValueError:
        moment = None
    segments = shown_segments(transcript)
    context = {
        "link": link,
        "job": job,
        "transcript": transcript,
        "segments": segments,
        "speakers": speakers_of(transcript),
        "moment": moment,
        "current_index": next(
            (seg.index for seg in segments if moment is not None and (seg.end or 0) >= moment), None
        ),
        "per_channel": len({segment.channel for segment in segments}) > 1,
        "readonly": True,
        "formats": FORMATS.values(),
        "token": token,
    }
    return _public(render(request, PUBLIC, context))


def _open_for_files(request: HttpRequest, token: str) -> ShareLink:
    link = sharing.find(token)
    opening = sharing.visit(link=link, session=request.session, address=_address(request), record=False)
    if not opening.ok:
        raise Http404("This link does not open anything.")
    return link


@require_http_methods(["GET", "HEAD"])
def share_audio(request: HttpRequest, token: str) -> HttpResponse:
    link = _open_for_files(request, token)
    if not link.include_audio:
        raise Http404("This link does not include the audio.")
    return _public(audio_response(request, link.job, download=False))


@require_http_methods(["GET"])
def share_export(request: HttpRequest, token: str) -> HttpResponse:
    link = _open_for_files(request, token)
    fmt = request.GET.get("format", "txt")
    transcript = Transcript.objects.filter(job=link.job).first()
    # The provider's raw answer stays inside the team: a link offers this app's formats.
    if not link.include_downloads or fmt not in FORMATS or fmt == "raw" or transcript is None:
        raise Http404("This link does not include downloads.")
    exported = export_transcript(
        job=link.job, transcript=transcript, fmt=fmt, options=options_from(request.GET)
    )
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exported.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _public(response)
