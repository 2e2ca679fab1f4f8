"""Settings → API tokens: create (shown once), list, and revoke (after a confirmation) your tokens.

One URL (``api_tokens``): GET renders the page, ``?confirm=<id>`` the revoke confirmation of one
row (``?row=<id>`` the plain row again); POST ``action=create`` or ``action=revoke``. With htmx
each answer is the changed fragment (the whole token panel after a create, the row after a revoke),
which is all the page shows of tokens, so no event is sent; without htmx, whole pages.
Access: tokens are looked up among the signed-in user's own, anything else is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from ..forms.tokens import ApiTokenForm
from ..models import ApiToken
from ..services.api_tokens import TokenError, create_token, revoke_token, tokens_of

PAGE = "settings/api_tokens.html"


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    context = {
        "nav": "settings",
        "subnav": "api_tokens",
        "tokens": tokens_of(user=request.user),
        "form": ApiTokenForm(user=request.user),
        "api_base": request.build_absolute_uri("/v1"),
    }
    context.update(extra)
    return context


def _own_token(request: HttpRequest, value: str | None) -> ApiToken:
    if not value or not value.isdigit():
        raise Http404("No such token.")
    return get_object_or_404(ApiToken.objects.select_related("team"), pk=int(value), user=request.user)


def _create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST, user=request.user)
    secret = ""
    if form.is_valid():
        try:
            token, secret = create_token(
                user=request.user,
                name=form.cleaned_data["name"],
                status_style=form.cleaned_data["status_style"],
                team=form.cleaned_data.get("team"),
            )
        except TokenError as error:
            form.add_error(None, error.message)
    if not secret:
        if request.htmx:
            return render(request, f"{PAGE}#token-panel", _context(request, form=form))
        return render(request, PAGE, _context(request, form=form), status=400)
    context = _context(request, new_token=token, new_secret=secret)
    template = f"{PAGE}#token-panel" if request.htmx else PAGE
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"  # the secret is in this page, once
    return response


def _revoke(request: HttpRequest) -> HttpResponse:
    token = _own_token(request, request.POST.get("token"))
    revoke_token(user=request.user, token_id=token.pk)
    token.refresh_from_db()
    if request.htmx:
        return render(request, f"{PAGE}#token-row", {"token": token})
    messages.success(request, f"Token “{token.name}” is revoked; requests with it are refused from now on.")
    return redirect("api_tokens")


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            return _create(request)
        if action == "revoke":
            return _revoke(request)
        raise Http404("Unknown action.")
    for param, confirming in (("confirm", True), ("row", False)):
        if param in request.GET:
            token = _own_token(request, request.GET.get(param))
            if request.htmx:
                return render(request, f"{PAGE}#token-row", {"token": token, "confirming": confirming})
            return render(request, PAGE, _context(request, confirm_id=token.pk if confirming else None))
    return render(request, PAGE, _context(request))
