"""Team pages. Thin views: the rules are in ``transcripts.services.teams``.

Access: every team view fetches the team through ``Team.objects.for_user(request.user)``, so a
team you are not in is a 404 for its page, its fragments and its POST endpoints alike. Whether
you may *act* (invite, change roles, remove) is the service's call, and its refusal is shown.

Events (htmx): removing a member answers an empty row plus ``team-members-changed``; the member
count on the page (``#member-count``) hears it and refetches itself from ``team_member_count``.
Revoking an invitation answers an empty item plus ``team-invitations-changed``; the pending list
(``#pending-invitations``) refetches itself from ``team_invitations`` (so "No pending invitations"
appears after the last one). Answers that already are the changed fragment (a role change: its row;
a new invitation: the whole invite panel) send no event.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh, trigger_client_event

from ..context_processors import current_team
from ..forms.teams import InviteForm, RoleForm, TeamForm
from ..models import Invitation, Membership, Role, Team
from ..services import teams as team_service
from ..services.teams import TeamError
from .accounts import safe_next_url

logger = logging.getLogger(__name__)
MEMBERS_CHANGED = "team-members-changed"
INVITATIONS_CHANGED = "team-invitations-changed"
EMAIL_FAILED = "The invitation email could not be sent. Copy the link and send it yourself."


def _team_for(request: HttpRequest, pk: int) -> Team:
    return get_object_or_404(Team.objects.for_user(request.user), pk=pk)


def _announce(response: HttpResponse, event: str, *, team: Team) -> HttpResponse:
    """Add ``event`` (HX-Trigger), dispatched on <body> where its listeners listen: the form that
    asked may be out of the page by then (its row removed, or its list refetched meanwhile)."""
    return trigger_client_event(response, event, {"team": team.pk, "target": "body"})


def _member_context(*, team: Team, me: Membership | None) -> dict:
    members = list(team.memberships.select_related("user").order_by("joined_at"))
    for member in members:
        member.editable = team_service.can_manage_member(actor=me, membership=member)
    return {"members": members, "member_count": len(members), "roles": team_service.assignable_roles(by=me)}


def _pending_invitations(request: HttpRequest, *, team: Team) -> list[Invitation]:
    invitations = list(team_service.pending_invitations(team=team))
    for invitation in invitations:
        invitation.url = request.build_absolute_uri(reverse("invitation_accept", args=[invitation.token]))
    return invitations


def _invite_context(request: HttpRequest, *, team: Team, me: Membership | None, form=None) -> dict:
    roles = team_service.assignable_roles(by=me)
    return {
        "team": team,
        "me": me,
        "invite_form": form or InviteForm(roles=roles),
        "invitations": _pending_invitations(request, team=team),
        "invitation_ttl_days": settings.INVITATION_TTL_DAYS,
    }


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("team")
        .annotate(member_count=Count("team__memberships"))
        .order_by("-team__personal", "team__name")
    )
    return render(request, "teams/team_list.html", {"memberships": memberships, "nav": "team"})


@login_required
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST) if request.method == "POST" else TeamForm()
    if form.is_bound and form.is_valid():
        team = team_service.create_team(user=request.user, name=form.cleaned_data["name"])
        team_service.set_current_team(user=request.user, team=team)
        messages.success(request, f"Created {team.name}. New transcriptions now go to this team.")
        return redirect("team_detail", pk=team.pk)
    return render(request, "teams/team_form.html", {"form": form, "nav": "team"})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    me = team_service.membership_of(team=team, user=request.user)
    context = {
        "team": team,
        "me": me,
        "nav": "team",
        "is_current": current_team(request) == team,
        **_member_context(team=team, me=me),
    }
    if me.can_manage and not team.personal:  # invite links are secrets: only managers get them
        context.update(_invite_context(request, team=team, me=me))
    return render(request, "teams/team_detail.html", context)


@login_required
@require_POST
def team_invite(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    me = team_service.membership_of(team=team, user=request.user)
    form = InviteForm(request.POST, roles=team_service.assignable_roles(by=me) or [Role.MEMBER])
    created = None
    if form.is_valid():
        try:
            created = team_service.invite(team=team, by=request.user, **form.cleaned_data)
        except TeamError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    email_failed = False
    if created is not None:
        email_failed = bool(created.email) and not _email_invitation(request, created)
        form = None
    if not request.htmx:
        if created is not None:
            sent = f" and emailed it to {created.email}" if created.email and not email_failed else ""
            messages.success(
                request, f"Created an invite link{sent}. It is listed under Pending invitations."
            )
            if email_failed:
                messages.warning(request, EMAIL_FAILED)
        else:
            for error in form.errors.values():
                messages.error(request, " ".join(error))
        return redirect("team_detail", pk=team.pk)
    context = {
        **_invite_context(request, team=team, me=me, form=form),
        "created": created,
        "email_failed": email_failed,
    }
    return render(request, "teams/team_detail.html#invite-panel", context)


def _email_invitation(request: HttpRequest, invitation: Invitation) -> bool:
    accept_url = request.build_absolute_uri(reverse("invitation_accept", args=[invitation.token]))
    try:
        team_service.send_invitation_email(invitation=invitation, accept_url=accept_url)
    except (smtplib.SMTPException, OSError):
        # The link still works; the inviter is told to send it themselves.
        logger.exception("Could not email invitation %s", invitation.pk)
        return False
    return True


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, team=team)
    try:
        team_service.revoke_invitation(invitation=invitation, by=request.user)
    except TeamError as error:
        messages.error(request, error.message)
        return redirect("team_detail", pk=team.pk)
    if request.htmx:
        return _announce(HttpResponse(""), INVITATIONS_CHANGED, team=team)
    messages.success(request, "Invitation revoked; its link no longer works.")
    return redirect("team_detail", pk=team.pk)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link may look; joining needs an account, so we send them back here after."""
    invitation = Invitation.objects.select_related("team", "invited_by").filter(token=token).first()
    if invitation is None:
        context = {"error": "This invitation link is not valid. Check that you copied all of it."}
        return render(request, "teams/invitation.html", context, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            team_service.accept_invitation(token=token, user=request.user)
        except TeamError as error:
            context = {"invitation": invitation, "error": error.message}
            return render(request, "teams/invitation.html", context, status=400)
        messages.success(request, f"Welcome to {invitation.team.name}! New transcriptions now go here.")
        return redirect("team_detail", pk=invitation.team_id)
    error = None
    try:
        team_service.check_invitation(invitation=invitation, user=request.user)
    except TeamError as refusal:
        error = refusal.message
    return render(request, "teams/invitation.html", {"invitation": invitation, "error": error})


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    member = get_object_or_404(Membership.objects.select_related("user", "team"), pk=membership_pk, team=team)
    form = RoleForm(request.POST)
    error = None
    if not form.is_valid():
        error = "Choose a valid role."
    else:
        try:
            team_service.change_role(membership=member, by=request.user, role=form.cleaned_data["role"])
        except TeamError as refusal:
            error = refusal.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request, f"{member.user.get_username()} is now {member.get_role_display().lower()}."
            )
        return redirect("team_detail", pk=team.pk)
    if member.user_id == request.user.id and not error:
        return HttpResponseClientRefresh()
    member.refresh_from_db()
    return _member_row(request, team=team, member=member, error=error, saved=not error)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    member = get_object_or_404(Membership.objects.select_related("user", "team"), pk=membership_pk, team=team)
    try:
        team_service.remove_member(membership=member, by=request.user)
    except TeamError as error:
        if request.htmx:
            return _member_row(request, team=team, member=member, error=error.message)
        messages.error(request, error.message)
        return redirect("team_detail", pk=team.pk)
    if request.htmx:
        return _announce(HttpResponse(""), MEMBERS_CHANGED, team=team)
    messages.success(request, f"Removed {member.user.get_username()} from {team.name}.")
    return redirect("team_detail", pk=team.pk)


def _member_row(request: HttpRequest, *, team: Team, member: Membership, error=None, saved=False):
    me = team_service.membership_of(team=team, user=request.user)
    member.editable = team_service.can_manage_member(actor=me, membership=member)
    context = {
        "team": team,
        "member": member,
        "roles": team_service.assignable_roles(by=me),
        "row_error": error,
        "saved": saved,
    }
    return render(request, "teams/team_detail.html#member-row", context)


@login_required
def team_member_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The member count pill; the team page refetches it on ``team-members-changed``."""
    team = _team_for(request, pk)
    context = {"team": team, "member_count": team.memberships.count()}
    return render(request, "teams/team_detail.html#member-count", context)


@login_required
def team_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    """The pending invitations list; the team page refetches it on ``team-invitations-changed``.

    Invite links are secrets, so only those who see them on the page (managers) get the list.
    """
    team = _team_for(request, pk)
    me = team_service.membership_of(team=team, user=request.user)
    if me is None or not me.can_manage or team.personal:
        raise PermissionDenied("Only owners and admins see a team's invitations.")
    context = {"team": team, "invitations": _pending_invitations(request, team=team)}
    return render(request, "teams/team_detail.html#pending-invitations", context)


@login_required
@require_POST
def team_leave(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    try:
        team_service.leave_team(team=team, user=request.user)
    except TeamError as error:
        messages.error(request, error.message)
        destination = reverse("team_detail", args=[team.pk])
    else:
        messages.success(request, f"You left {team.name}.")
        destination = reverse("team_list")
    return HttpResponseClientRedirect(destination) if request.htmx else redirect(destination)


@login_required
@require_POST
def team_switch(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    team_service.set_current_team(user=request.user, team=team)
    messages.success(request, f"Switched to {team.name}. New transcriptions go to this team.")
    return redirect(safe_next_url(request, fallback="team_list"))
