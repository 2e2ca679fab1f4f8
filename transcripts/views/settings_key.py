"""Settings → AI/ML API key: add, replace, check and remove your key, and the keys of teams you own.

Access: your own key is always yours; a team key is reachable only through teams you belong to
(anything else is a 404) and changeable only by that team's owners (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from ..context_processors import current_team
from ..forms.keys import ProviderKeyForm
from ..models import Membership, ProviderKey, Role, Team
from ..services import keys

PAGE = "settings/provider_key.html"


def _form(team: Team | None, data=None) -> ProviderKeyForm:
    # Ids unique per card: the page holds one form for your key and one per team you own.
    return ProviderKeyForm(data, auto_id=f"id_{'team' + str(team.pk) if team else 'user'}_%s")


def _card(*, user, team: Team | None, form: ProviderKeyForm | None = None, notice: str = "",
          ok: bool | None = None) -> dict[str, Any]:  # fmt: skip
    owner = {"team": team} if team is not None else {"user": user}
    key = ProviderKey.objects.filter(**owner).first()
    return {
        "team": team,
        "scope": "team" if team is not None else "user",
        "dom_id": f"key-team-{team.pk}" if team is not None else "key-user",
        "key": key,
        "form": form or _form(team),
        "notice": notice,
        "ok": ok,
    }


def _page_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    owned = Team.objects.filter(memberships__user=user, memberships__role=Role.OWNER, personal=False)
    memberships = (
        Membership.objects.filter(user=user, team__provider_key__isnull=False)
        .exclude(role=Role.OWNER)
        .select_related("team__provider_key")
    )
    return {
        "nav": "settings",
        "subnav": "provider_key",
        "user_card": _card(user=user, team=None),
        "team_cards": [_card(user=user, team=team) for team in owned.order_by("name")],
        "shared_keys": [m.team for m in memberships],
        **_key_in_use(request),
    }


def _key_in_use(request: HttpRequest) -> dict[str, Any]:
    """What the "which key pays" line needs: the current team, the key that pays there, and
    whether the viewer could add a team key (owners of a shared team; the line says so)."""
    current = current_team(request)
    return {
        "current_team": current,
        "current_key": keys.resolve_key(user=request.user, team=current) if current else None,
        "manages_team_key": current is not None
        and not current.personal
        and keys.can_manage_team_key(user=request.user, team=current),
    }


def _team_from(request: HttpRequest) -> Team | None:
    if request.POST.get("scope") != "team":
        return None
    team_id = request.POST.get("team", "")
    if not team_id.isdigit():
        raise Http404("No such team.")
    return get_object_or_404(Team.objects.for_user(request.user), pk=int(team_id))


@sensitive_variables("form")
def _apply(request: HttpRequest, team: Team | None) -> dict[str, Any]:
    action = request.POST.get("action", "save")
    target = {"team": team} if team is not None else {"user": request.user}
    if action == "save":
        form = _form(team, request.POST)
        if not form.is_valid():
            return _card(user=request.user, team=team, form=form)
        keys.save_key(**target, secret=form.cleaned_data["secret"], by=request.user)
        return _card(user=request.user, team=team, notice="Key saved. Check it to be sure it works.", ok=True)
    if action == "remove":
        removed = keys.remove_key(**target, by=request.user)
        return _card(user=request.user, team=team, notice="Key removed." if removed else "", ok=True)
    if action == "check":
        if team is not None and not keys.can_manage_team_key(user=request.user, team=team):
            raise PermissionDenied("Only the team's owners can check its key.")
        key = ProviderKey.objects.filter(**target).first()
        if key is None:
            raise Http404("No key to check.")
        ok, message = keys.check_key(key=key)
        return _card(user=request.user, team=team, notice=message, ok=ok)
    raise Http404("Unknown action.")


@login_required
@sensitive_post_parameters("secret")
def provider_key(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, PAGE, _page_context(request))
    team = _team_from(request)
    card = _apply(request, team)
    if request.htmx:
        # The card, plus an out-of-band update of the "which key pays" line above the cards.
        html = render_to_string(f"{PAGE}#key-card", {"card": card}, request) + render_to_string(
            f"{PAGE}#key-in-use", {**_key_in_use(request), "oob": True}, request
        )
        return HttpResponse(html)
    if card["form"].errors:
        context = _page_context(request)
        context["user_card" if team is None else "team_cards"] = (
            card if team is None else [card if c["team"] == team else c for c in context["team_cards"]]
        )
        return render(request, PAGE, context, status=400)
    if card["notice"]:
        (messages.success if card["ok"] else messages.error)(request, card["notice"])
    return redirect("provider_key")
