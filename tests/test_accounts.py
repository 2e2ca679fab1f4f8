"""Accounts: sign-up, log-in and out, password change and reset, failed-login throttling."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from transcripts.models import Membership, Role
from transcripts.services.teams import current_team_for

pytestmark = pytest.mark.django_db
User = get_user_model()
STRONG = "plum-orbit-canvas-93"


def signup(client, **overrides):
    data = {"username": "nadia", "email": "nadia@example.com", "password1": STRONG, "password2": STRONG}
    return client.post(reverse("signup"), {**data, **overrides})


def log_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_signup_logs_in_gives_a_personal_team_and_lands_on_the_dashboard(client):
    response = signup(client)
    assert response.status_code == 302 and response.url == reverse("dashboard")
    user = User.objects.get(username="nadia")
    team = current_team_for(user)
    assert team.personal
    assert Membership.objects.get(team=team, user=user).role == Role.OWNER
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert page.context["user"] == user
    assert "No transcripts yet" in page.content.decode()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"username": "OLIVIA"}, "username", "That username is taken"),
        ({"email": "Olivia@Example.com"}, "email", "An account with this email already exists"),
    ],
)
def test_signup_refuses_a_taken_username_or_email_whatever_the_case(client, owner, overrides, field, message):
    response = signup(client, **overrides)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode()
    assert not User.objects.filter(username="nadia").exists()


@pytest.mark.parametrize(
    "password, message",
    [("123", "too short"), ("password123", "too common"), ("84736291047", "entirely numeric")],
)
def test_signup_explains_a_weak_password(client, password, message):
    response = signup(client, password1=password, password2=password)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["password2"])
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "id_password2_error" in html


def test_signup_returns_to_a_safe_next_url_only(client):
    invitation_path = "/teams/invitations/abc/"
    assert signup(client, next=invitation_path).url == invitation_path
    client.post(reverse("logout"))
    response = signup(client, username="other", email="other@example.com", next="https://evil.example/")
    assert response.url == reverse("dashboard")


def test_login_with_username_or_email(client, owner, password):
    assert log_in(client, "olivia", password).url == reverse("dashboard")
    client.post(reverse("logout"))
    assert log_in(client, "OLIVIA@example.com", password).url == reverse("dashboard")


def test_login_with_a_wrong_password_says_so(client, owner):
    response = log_in(client, "olivia", "not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_logout_is_post_only(owner_client):
    assert owner_client.get(reverse("logout")).status_code == 405
    response = owner_client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You are logged out." in response.content.decode()
    assert owner_client.get(reverse("dashboard")).status_code == 302


def test_password_change(owner_client, owner, password):
    response = owner_client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.url == reverse("password_change_done")
    owner.refresh_from_db()
    assert owner.check_password(STRONG)
    assert owner_client.get(reverse("dashboard")).status_code == 200  # still logged in here


def test_password_change_needs_the_old_password(owner_client, owner, password):
    response = owner_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.content.decode()


def test_password_reset_by_email_end_to_end(client, owner):
    response = client.post(reverse("password_reset"), {"email": "OLIVIA@example.com"})
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olivia@example.com"]
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert done.url == reverse("password_reset_complete")

    assert log_in(client, "olivia", STRONG).url == reverse("dashboard")
    client.post(reverse("logout"))
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_email_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_five_failed_logins_lock_the_account_with_a_clear_page(client, owner, password):
    for _ in range(4):
        assert log_in(client, "olivia", "wrong").status_code == 200
    locked = log_in(client, "olivia", "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed log-in attempts" in html
    assert "Try again in 15 minutes" in html
    assert log_in(client, "olivia", password).status_code == 429  # even the right password waits


def test_resetting_the_password_lifts_a_lockout(client, owner):
    for _ in range(5):
        log_in(client, "olivia", "wrong")
    client.post(reverse("password_reset"), {"email": "olivia@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert log_in(client, "olivia", STRONG).url == reverse("dashboard")


def test_account_settings_change_the_email(owner_client, owner):
    response = owner_client.post(reverse("settings_home"), {"email": "olivia.new@example.com"})
    assert response.url == reverse("settings_home")
    owner.refresh_from_db()
    assert owner.email == "olivia.new@example.com"


def test_account_settings_refuse_another_accounts_email(owner_client, owner, teammate):
    response = owner_client.post(reverse("settings_home"), {"email": "TOMAS@example.com"})
    assert response.status_code == 200
    assert "Another account already uses this email" in response.content.decode()
    owner.refresh_from_db()
    assert owner.email == "olivia@example.com"


def test_settings_subnav_links_only_to_pages_that_exist(owner_client):
    html = owner_client.get(reverse("settings_home")).content.decode()
    assert f'href="{reverse("settings_home")}" aria-current="page"' in html
    assert reverse("password_change") in html


def test_dashboard_lists_recent_jobs_of_my_teams_only(teammate_client, team, owner, outsider):
    from .factories import make_job

    make_job(team=team, user=owner, title="Acme standup")
    make_job(team=current_team_for(outsider), user=outsider, title="Outsider diary")
    html = teammate_client.get(reverse("dashboard")).content.decode()
    assert "Acme standup" in html and "Outsider diary" not in html
    assert "No transcripts yet" not in html
