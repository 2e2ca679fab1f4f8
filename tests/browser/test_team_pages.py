"""The team page in a real browser (htmx role change and removal), and a tour of the account pages.

Removing a member and revoking invitations update the rest of the page without a reload: the member
count and the pending list hear the server's events and refetch themselves.

Screenshots: test-artifacts/screenshots/tour-<viewport>-<page>-<scheme>.png.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from transcripts.models import JobState, Membership, Role
from transcripts.services import teams as team_service

from ..conftest import make_user
from ..factories import make_completed_job, make_job
from .conftest import capture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(owner, teammate, team):
    """A team with members, pending invitations and a job in every state."""
    Membership.objects.create(team=team, user=make_user("uma"), role=Role.ADMIN)
    team_service.invite(team=team, by=owner, email="new.hire@example.com")
    team_service.invite(team=team, by=owner, role=Role.ADMIN)
    team_service.set_current_team(user=owner, team=team)
    titles = {
        JobState.QUEUED: "Weekly sync — 14 May",
        JobState.SUBMITTING: "Customer interview #12",
        JobState.PROCESSING: "Quarterly all-hands",
        JobState.FAILED: "Voice memo (corrupt upload)",
        JobState.CANCELLED: "Lecture 3: Signals",
    }
    for state, title in titles.items():
        make_job(team=team, user=owner, state=state, title=title, progress=0.42)
    make_completed_job(team=team, user=teammate, title="Board meeting, March")
    return team


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_owner_manages_members_with_htmx(page, log_in, seeded, teammate, password, viewport):
    shot = f"tour-{viewport}"
    log_in(page, "olivia", password)
    expect(page.get_by_text("Quarterly all-hands")).to_be_visible()
    capture(page, f"{shot}-dashboard")

    page.goto(f"/teams/{seeded.pk}/")
    capture(page, f"{shot}-team")
    member_count = page.locator("#members-heading .count")
    expect(member_count).to_have_text("3")
    page.evaluate("window.stillTheSamePage = true")  # gone if anything below reloads the page

    page.get_by_label("Role of tomas").select_option("admin")
    row = page.locator(f"#member-{Membership.objects.get(team=seeded, user=teammate).pk}")
    expect(row).to_contain_text("Saved")
    assert Membership.objects.get(team=seeded, user=teammate).role == Role.ADMIN

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove uma").click()
    expect(page.get_by_role("cell", name=re.compile("uma"))).to_have_count(0)
    assert not Membership.objects.filter(team=seeded, user__username="uma").exists()
    expect(member_count).to_have_text("2")  # heard team-members-changed and refetched itself

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Revoke invitation for new.hire")).click()
    expect(page.get_by_text("new.hire@example.com")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke invitation", exact=True).click()
    expect(page.locator("#pending-invitations")).to_have_text("No pending invitations.")
    assert page.evaluate("window.stillTheSamePage") is True

    page.goto("/teams/")
    capture(page, f"{shot}-team-list")
    page.goto("/settings/")
    capture(page, f"{shot}-settings")
    subnav = page.get_by_role("navigation", name="Settings")
    for item in ("Account", "AI/ML API key", "API tokens", "Usage"):  # none cut off on a phone
        expect(subnav.get_by_role("link", name=item)).to_be_in_viewport(ratio=1)
    subnav.get_by_role("link", name="AI/ML API key").click()
    expect(subnav.get_by_role("link", name="AI/ML API key")).to_have_attribute("aria-current", "page")
    capture(page, f"{shot}-provider-key")
    subnav.get_by_role("link", name="Usage").click()
    expect(subnav.get_by_role("link", name="Usage")).to_have_attribute("aria-current", "page")
    capture(page, f"{shot}-usage")
    page.goto("/accounts/password_change/")
    page.get_by_label("Old password").fill("wrong")
    page.get_by_role("button", name="Change password").click()
    capture(page, f"{shot}-password-change-error")
    page.goto("/search/")
    capture(page, f"{shot}-search")


def test_clear_pages_for_a_lockout_and_a_dead_invitation(page, owner, team, password):
    for _ in range(5):
        page.goto("/accounts/login/")
        page.get_by_label("Username or email").fill("olivia")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed log-in attempts")).to_be_visible()
    capture(page, "tour-locked-out")

    invitation = team_service.invite(team=team, by=owner)
    invitation.expires_at = timezone.now() - timedelta(days=1)
    invitation.save()
    page.goto(f"/teams/invitations/{invitation.token}/")
    expect(page.get_by_role("alert")).to_contain_text("This invitation expired on")
    capture(page, "tour-invitation-expired")


def test_the_scripts_work_from_their_static_files(page, log_in, owner, team, password):
    """What used to be inline: the account menu closes and the usage team filter submits itself."""
    log_in(page, "olivia", password)
    menu = page.locator("details.menu")
    page.get_by_label("Account and team menu").click()
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(page.get_by_label("Account and team menu")).to_be_focused()
    page.get_by_label("Account and team menu").click()
    page.locator("h1").click()  # a click elsewhere
    expect(menu).not_to_have_attribute("open", "")

    page.goto("/settings/usage/")
    page.get_by_label("Team", exact=True).select_option(label=team.name)
    page.wait_for_url(re.compile(rf"team={team.pk}\b"))
    expect(page.get_by_text(f"in {team.name}", exact=False)).to_be_visible()

    # upload-progress.js: tests/browser/test_batch_transcribe.py uploads a real batch through it.
