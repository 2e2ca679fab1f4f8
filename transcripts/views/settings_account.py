"""Settings → Account: who you are and how we reach you."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ..forms.accounts import AccountForm


@login_required
def settings_home(request: HttpRequest) -> HttpResponse:
    # A fresh copy, so a rejected email never leaks into request.user for the rest of the page.
    account = get_user_model().objects.get(pk=request.user.pk)
    form = (
        AccountForm(request.POST, instance=account)
        if request.method == "POST"
        else AccountForm(instance=account)
    )
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Saved your email address.")
        return redirect("settings_home")
    return render(request, "settings/account.html", {"form": form, "nav": "settings", "subnav": "account"})
