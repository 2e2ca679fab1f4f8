from django.http import HttpRequest


def workspace(request: HttpRequest) -> dict:
    """The navigation needs the current team on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .services.teams import current_team_for

    return {"current_team": current_team_for(user)}
