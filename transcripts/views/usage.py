"""Settings → Usage: seconds of cloud audio per user, team, model and key, for the viewer's teams."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Team
from ..services.usage import DEFAULT_PERIOD, PERIODS, usage_report

PERIOD_LABELS = {"7d": "7 days", "30d": "30 days", "90d": "90 days", "365d": "12 months", "all": "All time"}


@login_required
@require_GET
def usage(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    teams = list(Team.objects.for_user(request.user).order_by("-personal", "name"))
    team_id = request.GET.get("team", "")
    # A team you are not in simply is not offered: the report falls back to all your teams.
    team = next((t for t in teams if str(t.pk) == team_id), None)
    report = usage_report(viewer=request.user, period=period, team=team)
    return render(
        request,
        "settings/usage.html",
        {
            "nav": "settings",
            "subnav": "usage",
            "report": report,
            "period": period,
            "period_label": PERIOD_LABELS[period],
            "periods": [(key, PERIOD_LABELS[key]) for key in PERIODS],
            "teams": teams,
            "team": team,
            "sections": [
                ("By person", "Person", report.by_user),
                ("By team", "Team", report.by_team),
                ("By model", "Model", report.by_model),
                ("By key (who paid)", "Key", report.by_key),
            ],
        },
    )
