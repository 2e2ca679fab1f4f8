from __future__ import annotations

from django.db import transaction

from ..models import Membership, Profile, Role, Team


@transaction.atomic
def create_team(*, user, name: str, personal: bool = False) -> Team:
    team = Team.objects.create(name=name, personal=personal, created_by=user)
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


@transaction.atomic
def create_personal_team(*, user) -> Team:
    team = create_team(user=user, name=f"{user.get_username()}'s workspace", personal=True)
    Profile.objects.update_or_create(user=user, defaults={"current_team": team})
    return team


def current_team_for(user) -> Team | None:
    """The team new work goes to: the one the user picked, else their personal team."""
    profile, _ = Profile.objects.get_or_create(user=user)
    team = profile.current_team
    if team is not None and Membership.objects.filter(team=team, user=user).exists():
        return team
    team = Team.objects.for_user(user).order_by("-personal", "created_at").first()
    if team is not None and profile.current_team_id != team.id:
        profile.current_team = team
        profile.save(update_fields=["current_team"])
    return team
