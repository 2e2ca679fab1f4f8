"""Sign-up, plus Django's own auth views configured with our templates and forms.

Logging in goes through Django's ``LoginView`` so the form passes ``request`` to
``authenticate()``, which django-axes needs to throttle failed attempts.
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from ..forms.accounts import LoginForm, SignupForm

# Signing up never authenticates against a password, so name the backend login() records.
SIGNUP_BACKEND = "django.contrib.auth.backends.ModelBackend"


def safe_next_url(request: HttpRequest, fallback: str = "") -> str:
    """The ``next`` parameter when it points back into this site, else ``fallback`` (a URL name)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback or settings.LOGIN_REDIRECT_URL)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(safe_next_url(request))
    if request.method == "POST":
        form = SignupForm(request.POST)
    else:
        form = SignupForm(initial={"email": request.GET.get("email", "")})
    if form.is_bound and form.is_valid():
        with transaction.atomic():  # the account and its personal team, or neither
            user = form.save()
        login(request, user, backend=SIGNUP_BACKEND)
        messages.success(request, f"Welcome, {user.get_username()}! Your account is ready.")
        return redirect(safe_next_url(request))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


login_view = auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True)


class _LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


logout_view = _LogoutView.as_view()
# Settings pages (settings/_layout.html): the password pages sit under "Account" in the sub-navigation.
SETTINGS_ACCOUNT = {"nav": "settings", "subnav": "account"}
password_change = auth_views.PasswordChangeView.as_view(extra_context=SETTINGS_ACCOUNT)
password_change_done = auth_views.PasswordChangeDoneView.as_view(extra_context=SETTINGS_ACCOUNT)
password_reset = auth_views.PasswordResetView.as_view(
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()


class _PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # Following the emailed link proves more than a password would, so it lifts a lockout.
        axes_reset(username=form.user.get_username())
        return response


password_reset_confirm = _PasswordResetConfirmView.as_view(post_reset_login=False)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
