"""Who may do what to a transcript: THE table, read by every view and service that acts on a job.

Seeing a job at all is ``Job.objects.visible_to(user)``: its team's members see the team's jobs,
and a private job only its creator. Everything else is this table, by the person's role in the
job's team; the job's creator counts as "creator" while they are a member who is not a viewer.

| action  | creator | owner | admin | member | viewer |
|---------|---------|-------|-------|--------|--------|
| read    | yes     | yes   | yes   | yes    | yes    |
| edit    | yes     | yes   | yes   | yes    | -      |  correct text, name speakers
| rename  | yes     | yes   | yes   | yes    | -      |
| run     | yes     | yes   | yes   | -      | -      |  cancel, retry
| move    | yes     | yes   | yes   | -      | -      |
| delete  | yes     | yes   | yes   | -      | -      |
| share   | yes     | yes   | yes   | -      | -      |  make and revoke share links
| visibility | yes  | -     | -     | -      | -      |  private to its creator, or the whole team
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from ..models import Job, Membership, Role

CREATOR = "creator"


class Action(StrEnum):
    READ = "read"
    EDIT = "edit"
    RENAME = "rename"
    RUN = "run"
    MOVE = "move"
    DELETE = "delete"
    SHARE = "share"
    VISIBILITY = "visibility"


_EVERYONE = frozenset({CREATOR, Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER})
_WRITERS = frozenset({CREATOR, Role.OWNER, Role.ADMIN, Role.MEMBER})
_MANAGERS = frozenset({CREATOR, Role.OWNER, Role.ADMIN})

MAY: dict[Action, frozenset[str]] = {
    Action.READ: _EVERYONE,
    Action.EDIT: _WRITERS,
    Action.RENAME: _WRITERS,
    Action.RUN: _MANAGERS,
    Action.MOVE: _MANAGERS,
    Action.DELETE: _MANAGERS,
    Action.SHARE: _MANAGERS,
    Action.VISIBILITY: frozenset({CREATOR}),
}

REFUSALS: dict[Action, str] = {
    Action.EDIT: "Viewers can read this transcript but not correct it.",
    Action.RENAME: "Viewers can read this transcript but not rename it.",
    Action.RUN: "Only the person who started it or the team's owners and admins can cancel or retry it.",
    Action.MOVE: "Only the person who made it or the team's owners and admins can move it.",
    Action.DELETE: "Only the person who made it or the team's owners and admins can delete it.",
    Action.SHARE: "Only the person who made it or the team's owners and admins can share it.",
    Action.VISIBILITY: "Only the person who made it can choose who sees it.",
}


def capacities(*, user, job: Job, role: str | None = None) -> set[str]:
    """The rows of the table that apply: the user's role in the job's team, plus creator."""
    if role is None:
        memberships = Membership.objects.filter(team_id=job.team_id, user=user)
        role = memberships.values_list("role", flat=True).first()
    if role is None:
        return set()
    found = {role}
    if job.created_by_id == user.pk and role != Role.VIEWER:
        found.add(CREATOR)
    return found


def can(*, user, action: Action, job: Job, role: str | None = None) -> bool:
    return bool(capacities(user=user, job=job, role=role) & MAY[action])


def allowed(*, user, job: Job) -> set[Action]:
    """Every action the user may take on the job (one query): for templates' buttons."""
    held = capacities(user=user, job=job)
    return {action for action, roles in MAY.items() if held & roles}


def require(*, user, action: Action, job: Job) -> None:
    """Raise ``PermissionDenied`` with the reason, for a person who can see the job but not do this."""
    if not can(user=user, action=action, job=job):
        raise PermissionDenied(REFUSALS.get(action, "You cannot do that."))
