"""A team's settings: its name and who sees new transcripts (owners/admins), and deleting it
(owners, after being told what goes with it). Access: ``Team.objects.for_user`` (404 otherwise);
who may act is the service's call, and its refusal is shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from ..models import Team, Visibility
from ..services import teams as team_service
from ..services.teams import TeamError


def _team_for(request: HttpRequest, pk: int) -> Team:
    return get_object_or_404(Team.objects.for_user(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def team_settings(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    me = team_service.membership_of(team=team, user=request.user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if "name" in request.POST and request.POST["name"].strip() != team.name:
                team_service.rename_team(team=team, name=request.POST["name"], by=request.user)
            visibility = request.POST.get("default_visibility")
            if visibility and visibility != team.default_visibility:
                team_service.set_default_visibility(team=team, visibility=visibility, by=request.user)
        except TeamError as error:
            errors[error.field or "form"] = error.message
            team.refresh_from_db()
        else:
            messages.success(request, "Team settings saved.")
            return redirect("team_settings", pk=team.pk)
    context = {
        "team": team,
        "me": me,
        "visibilities": Visibility.choices,
        "errors": errors,
        "summary": team_service.deletion_summary(team=team),
        "nav": "team",
    }
    return render(request, "teams/team_settings.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["POST"])
def team_delete(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for(request, pk)
    try:
        name = team.name
        team_service.delete_team(
            team=team, by=request.user, confirm_name=request.POST.get("confirm_name", "")
        )
    except TeamError as error:
        messages.error(request, error.message)
        return redirect("team_settings", pk=team.pk)
    messages.success(request, f"Deleted the team {name} and its transcripts.")
    return redirect("team_list")
