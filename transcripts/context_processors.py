from django.http import HttpRequest

from .models import Team
from .services.teams import current_team_for


def current_team(request: HttpRequest) -> Team | None:
    """The request's current team, resolved once per request and only when something asks."""
    if not hasattr(request, "_current_team"):
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        request._current_team = current_team_for(user) if authenticated else None
    return request._current_team


def workspace(request: HttpRequest) -> dict:
    """The navigation shows the current team; a template that never mentions it costs no query."""
    return {"current_team": lambda: current_team(request)}
