"""A new person signs up, creates a team, makes an invite link and logs out; then an invitee joins.

Screenshots of every step, light and dark, at desktop and phone sizes, land in
test-artifacts/screenshots/ (named journey-<viewport>-<step>-<scheme>.png).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from transcripts.models import Membership, Role
from transcripts.services import teams as team_service

from ..conftest import make_user
from .conftest import capture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "plum-orbit-canvas-93"


def open_nav_link(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_sign_up_create_a_team_invite_and_log_out(page, viewport):
    shot = f"journey-{viewport}"
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    capture(page, f"{shot}-1-login")

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Password", exact=True).fill("12345")
    page.get_by_label("Password confirmation").fill("12345")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    expect(page.get_by_label("Password confirmation")).to_have_attribute("aria-invalid", "true")
    capture(page, f"{shot}-2-signup-error")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Welcome, nadia")).to_be_visible()
    expect(page.get_by_text("No transcripts yet")).to_be_visible()
    capture(page, f"{shot}-3-dashboard")

    open_nav_link(page, "Teams")
    expect(page.get_by_role("heading", name="Teams", exact=True)).to_be_visible()
    page.get_by_role("link", name="New team").click()
    page.get_by_label("Team name").fill("Acme Research")
    capture(page, f"{shot}-4-new-team")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Acme Research", exact=True)).to_be_visible()

    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Create invite link").click()
    expect(page.get_by_text("Invite link ready.")).to_be_visible()
    link = page.get_by_label("Invite link").first.input_value()
    assert re.search(r"/teams/invitations/[\w-]{20,}/$", link)
    capture(page, f"{shot}-5-team-invite")

    page.get_by_role("group").filter(has_text="nadia").get_by_label("Account and team menu").click()
    capture(page, f"{shot}-6-menu")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_an_invitee_signs_up_from_the_link_and_joins(page):
    owner = make_user("olivia")
    team = team_service.create_team(user=owner, name="Acme Research")
    invitation = team_service.invite(team=team, by=owner, email="nina@example.com")

    page.goto(f"/teams/invitations/{invitation.token}/")
    expect(page.get_by_role("heading", name="Join Acme Research")).to_be_visible()
    capture(page, "invitee-1-landing")

    page.get_by_role("link", name="Sign up to join").click()
    expect(page.get_by_label("Email")).to_have_value("nina@example.com")
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_text("Welcome to Acme Research!")).to_be_visible()
    expect(page.get_by_role("cell", name="nina")).to_be_visible()
    capture(page, "invitee-2-team")
    assert Membership.objects.get(team=team, user__username="nina").role == Role.MEMBER
