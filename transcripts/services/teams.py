"""Teams: creation, invitations, roles, leaving and the current team.

Every rule about who may do what to a team lives here, so views, the admin and tests share one
answer. Refusals raise ``TeamError`` whose message is written for the person who clicked.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from ..models import Invitation, Job, Membership, Profile, Role, ShareLink, Team, Visibility
from ..models.teams import MANAGER_ROLES


class TeamError(ValidationError):
    """A user-facing refusal. ``field`` names the form field it belongs to, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_name_free(*, name: str, users, except_team: Team | None = None) -> None:
    """Team names are unique in each person's list, so the switcher is never ambiguous."""
    clash = Team.objects.filter(memberships__user__in=users, name__iexact=name.strip())
    if except_team is not None:
        clash = clash.exclude(pk=except_team.pk)
    if clash.exists():
        raise TeamError(
            f"Someone in this team already has a team called “{name.strip()}”. Pick another name.",
            field="name",
        )


@transaction.atomic
def create_team(*, user, name: str, personal: bool = False) -> Team:
    name = " ".join(name.split())
    if not personal:
        _check_name_free(name=name, users=[user])
    team = Team.objects.create(name=name, personal=personal, created_by=user)
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


@transaction.atomic
def create_personal_team(*, user) -> Team:
    team = create_team(user=user, name=f"{user.get_username()}'s workspace", personal=True)
    Profile.objects.update_or_create(user=user, defaults={"current_team": team})
    return team


def current_team_for(user) -> Team | None:
    """The team new work goes to: the one the user picked while they are still in it, else their
    personal team, else the oldest. One read, never a write: pages call it on every request."""
    picked = Profile.objects.filter(user=user, current_team=OuterRef("pk"))
    return (
        Team.objects.for_user(user)
        .annotate(picked=Exists(picked))
        .order_by("-picked", "-personal", "created_at")
        .first()
    )


def set_current_team(*, user, team: Team) -> None:
    if not Membership.objects.filter(team=team, user=user).exists():
        raise TeamError("You are not a member of that team.")
    Profile.objects.update_or_create(user=user, defaults={"current_team": team})


def membership_of(*, team: Team, user) -> Membership | None:
    return Membership.objects.filter(team=team, user=user).first()


def assignable_roles(*, by: Membership | None) -> list[Role]:
    """Roles this member may hand out: owners any, admins admin, member or viewer, others none."""
    if by is None or not by.can_manage:
        return []
    if by.role == Role.OWNER:
        return [Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER]
    return [Role.ADMIN, Role.MEMBER, Role.VIEWER]


def can_manage_member(*, actor: Membership | None, membership: Membership) -> bool:
    """Whether ``actor`` may change ``membership``'s role or remove it (never their own)."""
    if actor is None or not actor.can_manage or actor.pk == membership.pk:
        return False
    return actor.role == Role.OWNER or membership.role != Role.OWNER


def _manager(*, team: Team, user, action: str) -> Membership:
    membership = membership_of(team=team, user=user)
    if membership is None or membership.role not in MANAGER_ROLES:
        raise TeamError(f"Only owners and admins can {action}.")
    return membership


def _check_can_assign(*, by: Membership, role: str) -> None:
    if role not in Role.values:
        raise TeamError("Choose a valid role.", field="role")
    if role not in assignable_roles(by=by):
        raise TeamError("Only owners can make someone an owner.", field="role")


def _owner_count(team: Team) -> int:
    # Locks the owners' rows, so two owners demoting each other at once cannot leave none.
    owners = Membership.objects.select_for_update().filter(team=team, role=Role.OWNER)
    return len(owners.values_list("pk", flat=True))


# --- Invitations -------------------------------------------------------------------------------


@transaction.atomic
def invite(*, team: Team, by, email: str = "", role: str = Role.MEMBER) -> Invitation:
    """A single-use invitation link; addressed to ``email`` when one is given."""
    inviter = _manager(team=team, user=by, action="invite people")
    if team.personal:
        raise TeamError("Your personal workspace is private. Create a team to work with others.")
    _check_can_assign(by=inviter, role=role)
    email = email.strip()
    if email:
        if by.email and email.lower() == by.email.lower():
            raise TeamError("That is your own email address; you are already in this team.", field="email")
        if team.memberships.filter(user__email__iexact=email).exists():
            raise TeamError(f"{email} is already a member of {team.name}.", field="email")
        pending = pending_invitations(team=team).filter(email__iexact=email).first()
        if pending is not None:
            raise TeamError(
                f"{email} already has a pending invitation. Revoke it first to send a new one.",
                field="email",
            )
    return Invitation.objects.create(
        team=team,
        email=email,
        role=role,
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )


def send_invitation_email(*, invitation: Invitation, accept_url: str) -> None:
    context = {"invitation": invitation, "accept_url": accept_url, "team": invitation.team}
    subject = render_to_string("teams/email/invitation_subject.txt", context).strip()
    body = render_to_string("teams/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def pending_invitations(*, team: Team):
    return team.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def revoke_invitation(*, invitation: Invitation, by) -> None:
    _manager(team=invitation.team, user=by, action="revoke invitations")
    if invitation.accepted_at:
        raise TeamError("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def check_invitation(*, invitation: Invitation, user) -> None:
    """Why ``user`` cannot accept ``invitation`` right now, as a TeamError; silent when they can."""
    if invitation.revoked_at:
        raise TeamError("This invitation was withdrawn by the team. Ask them for a new link.")
    if invitation.accepted_at:
        raise TeamError("This invitation has already been used. Ask the team for a new link.")
    if invitation.is_expired:
        expired_on = dateformat.format(timezone.localtime(invitation.expires_at), "j F Y")
        raise TeamError(f"This invitation expired on {expired_on}. Ask the team for a new link.")
    if not user.is_authenticated:
        return
    if invitation.email and invitation.email.lower() != (user.email or "").lower():
        raise TeamError(
            f"This invitation was sent to {invitation.email}, but you are signed in as "
            f"{user.get_username()} ({user.email or 'no email'}). Log in with that account to accept it."
        )
    if Membership.objects.filter(team=invitation.team, user=user).exists():
        raise TeamError(f"You are already a member of {invitation.team.name}.")


@transaction.atomic
def accept_invitation(*, token: str, user) -> Membership:
    invitation = Invitation.objects.select_for_update().select_related("team").filter(token=token).first()
    if invitation is None:
        raise TeamError("This invitation link is not valid. Check that you copied all of it.")
    check_invitation(invitation=invitation, user=user)
    # Conditional, so two people racing on one link cannot both get in.
    used = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if not used:
        raise TeamError("This invitation has already been used. Ask the team for a new link.")
    membership = Membership.objects.create(team=invitation.team, user=user, role=invitation.role)
    Profile.objects.update_or_create(user=user, defaults={"current_team": invitation.team})
    return membership


# --- Members -----------------------------------------------------------------------------------


@transaction.atomic
def change_role(*, membership: Membership, by, role: str) -> Membership:
    actor = _manager(team=membership.team, user=by, action="change roles")
    _check_can_assign(by=actor, role=role)
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER:
        if actor.role != Role.OWNER:
            raise TeamError("Admins cannot change an owner's role.")
        if _owner_count(membership.team) <= 1:
            raise TeamError("A team needs at least one owner. Make someone else an owner first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, by) -> None:
    actor = _manager(team=membership.team, user=by, action="remove members")
    if membership.user_id == actor.user_id:
        raise TeamError("To remove yourself, leave the team instead.")
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise TeamError("Admins cannot remove an owner.")
    membership.delete()
    Profile.objects.filter(user_id=membership.user_id, current_team=membership.team).update(current_team=None)


@transaction.atomic
def leave_team(*, team: Team, user) -> None:
    membership = membership_of(team=team, user=user)
    if membership is None:
        raise TeamError("You are not a member of this team.")
    if team.personal:
        raise TeamError("Your personal workspace is yours for good; it cannot be left.")
    if membership.role == Role.OWNER and _owner_count(team) <= 1:
        raise TeamError("You are the last owner. Make someone else an owner before you leave.")
    membership.delete()
    Profile.objects.filter(user=user, current_team=team).update(current_team=None)


# --- Team settings (owners and admins) -----------------------------------------------------------


def _owner(*, team: Team, user, action: str) -> Membership:
    membership = membership_of(team=team, user=user)
    if membership is None or membership.role != Role.OWNER:
        raise TeamError(f"Only the team's owners can {action}.")
    return membership


@transaction.atomic
def rename_team(*, team: Team, name: str, by) -> Team:
    _owner(team=team, user=by, action="rename it")
    name = " ".join((name or "").split())
    if not name:
        raise TeamError("Give the team a name.", field="name")
    if len(name) > 80:
        raise TeamError("A team name can be up to 80 characters.", field="name")
    _check_name_free(name=name, users=team.members.all(), except_team=team)
    team.name = name
    team.save(update_fields=["name"])
    return team


def set_default_visibility(*, team: Team, visibility: str, by) -> Team:
    _manager(team=team, user=by, action="choose who sees new transcripts")
    if visibility not in Visibility.values:
        raise TeamError("Choose who sees new transcripts.", field="default_visibility")
    team.default_visibility = visibility
    team.save(update_fields=["default_visibility"])
    return team


def deletion_summary(*, team: Team) -> dict[str, int]:
    """What goes with the team, said before anyone confirms."""
    return {
        "transcripts": team.jobs.count(),
        "members": team.memberships.count(),
        "share_links": ShareLink.objects.live().filter(job__team=team).count(),
    }


@transaction.atomic
def delete_team(*, team: Team, by, confirm_name: str) -> None:
    """Delete a team with its transcripts, audio, share links and key (owners, named to confirm)."""
    _owner(team=team, user=by, action="delete it")
    if team.personal:
        raise TeamError("Your personal workspace is yours for good; it cannot be deleted.")
    if confirm_name.strip() != team.name:
        raise TeamError("Type the team's name exactly to confirm.", field="confirm_name")
    audio = [job.audio.name for job in team.jobs.exclude(audio="") if job.audio]
    storage = Job._meta.get_field("audio").storage
    Profile.objects.filter(current_team=team).update(current_team=None)
    team.delete()

    def remove_files() -> None:
        for name in audio:
            storage.delete(name)

    transaction.on_commit(remove_files)
