"""The error pages, and the settings and teams pages with long unbroken names, in a real browser.

Every page is checked at desktop size and on a 390×844 phone for sideways scrolling, with team
names, usernames, e-mails and token names that are one long word. Screenshots (light and dark):
test-artifacts/screenshots/fit-<viewport>-<page>-{light,dark}.png and
error-<viewport>-<page>-{light,dark}.png.
"""

from __future__ import annotations

import re

import pytest
from django.urls import path
from playwright.sync_api import expect

from stt_site.urls import urlpatterns as site_urlpatterns
from tests.factories import make_completed_job
from transcripts.models import Job, Membership, Role, Team
from transcripts.services import api_tokens, keys
from transcripts.services import teams as team_service
from transcripts.services.teams import create_team

from ..conftest import make_user
from .conftest import horizontal_overflow, take_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_TEAM = "customer_research_interviews_and_weekly_product_sync_recordings_2025"
LONG_USER = "maximiliana_vandenberghe_oppenheimer_research"
LONG_EMAIL = "a_very_long_address_for_someone_in_research@subdomain_of_example_company.com"
LONG_TOKEN = "nightly_batch_transcription_script_on_the_build_server_01"


def crash(request):
    raise RuntimeError("a bug in a view")


# The site's URLs plus one that fails on purpose, for the 500 page (@pytest.mark.urls(__name__)).
urlpatterns = [path("test-only/crash/", crash), *site_urlpatterns]


def open_page(new_page, viewport: str):
    page = new_page(viewport)
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def long_names(owner, outsider):
    """A current team, a member, an invitation, a team key, a token and usage, all long words."""
    team = create_team(user=owner, name=LONG_TEAM)
    member = make_user(LONG_USER)
    Membership.objects.create(team=team, user=member, role=Role.MEMBER)
    team_service.invite(team=team, by=owner, email=LONG_EMAIL)
    team_service.set_current_team(user=owner, team=team)
    keys.save_key(team=team, secret="sk-team-9876543210fedcba-7777", by=owner)
    api_tokens.create_token(user=owner, name=LONG_TOKEN)
    for user, seconds in [(member, 3725.4), (owner, 45.2)]:
        job = make_completed_job(
            team=team, user=user, provider="cloud", key_owner=f"team {LONG_TEAM}", key_last4="7777"
        )
        job.transcript.duration = seconds
        job.transcript.save()
    return team


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_settings_and_teams_pages_fit_the_screen(new_page, log_in, long_names, owner, password, viewport):
    personal = Team.objects.get(memberships__user=owner, personal=True)
    page = open_page(new_page, viewport)
    log_in(page, "olivia", password)
    pages = {
        "account": "/settings/",
        "key": "/settings/api-key/",
        "tokens": "/settings/tokens/",
        "usage": "/settings/usage/",
        "usage-empty": f"/settings/usage/?period=7d&team={personal.pk}",  # nothing there yet
        "teams": "/teams/",
        "team": f"/teams/{long_names.pk}/",
        "team-new": "/teams/new/",
    }
    for name, url in pages.items():
        page.goto(url)
        assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at {viewport} size"
        if name in {"key", "usage", "team", "teams"} or viewport == "phone":
            take_screenshot(page, f"fit-{viewport}-{name}", color_schemes=("light", "dark"))

    member = open_page(new_page, viewport)  # the member with the long name sees their pages too
    log_in(member, LONG_USER, password)
    for name, url in {"member-account": "/settings/", "member-teams": "/teams/"}.items():
        member.goto(url)
        assert horizontal_overflow(member) <= 0, f"{name} scrolls sideways at {viewport} size"

    page.goto("/settings/usage/")
    expect(page.get_by_test_id("total-duration")).to_have_text("1 h 03 min")
    expect(page.get_by_role("term")).to_have_text(["Audio transcribed", "Completed jobs"])
    page.goto("/teams/")
    teams_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Teams", exact=True)
    expect(teams_link).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_long_file_names_and_urls_wrap_on_the_job_page(
    new_page, log_in, long_names, owner, password, viewport
):
    """Job titles, file names and URLs (job page facts and header): CSS only, in app.css."""
    uploaded = make_completed_job(
        team=long_names,
        user=owner,
        title=f"{LONG_TEAM}_final_mix.m4a",
        source=Job.Source.UPLOAD,
        source_url="",
        original_filename=f"{LONG_TEAM}_final_mix.m4a",
        size_bytes=48_000_000,
    )
    fetched = make_completed_job(
        team=long_names, user=owner, title="Board meeting", source_url=f"https://example.com/{LONG_TEAM}.mp3"
    )
    page = open_page(new_page, viewport)
    log_in(page, "olivia", password)
    for name, job in {"upload": uploaded, "url": fetched}.items():
        page.goto(job.get_absolute_url())
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert horizontal_overflow(page) <= 0, f"the job page ({name}) scrolls sideways at {viewport} size"
        take_screenshot(page, f"fit-{viewport}-job-{name}", color_schemes=("light", "dark"))


def test_no_key_and_no_usage_yet(page, log_in, owner, team, password):
    team_service.set_current_team(user=owner, team=team)
    log_in(page, "olivia", password)
    page.goto("/settings/api-key/")
    expect(page.locator("#key-in-use")).to_have_text(
        "There is no key yet for cloud jobs in Acme Research: add your own key below, "
        "or a team key for everyone in it."
    )
    take_screenshot(page, "fit-desktop-key-none", color_schemes=("light", "dark"))

    page.goto("/settings/usage/?period=7d")
    empty = page.get_by_test_id("usage-empty")
    expect(empty.get_by_role("heading")).to_have_text("No completed cloud jobs in the last 7 days")
    expect(page.get_by_test_id("total-duration")).to_have_count(0)
    take_screenshot(page, "fit-desktop-usage-none", color_schemes=("light", "dark"))
    empty.get_by_role("link", name="Show all time").click()
    expect(page.get_by_role("heading", name="No completed cloud jobs yet")).to_be_visible()


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_error_pages_are_the_sites_own(new_page, log_in, owner, team, password, viewport):
    page = open_page(new_page, viewport)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We can’t find that page")
    expect(page.get_by_role("link", name="Log in", exact=True).first).to_be_visible()
    take_screenshot(page, f"error-{viewport}-404-visitor", color_schemes=("light", "dark"))

    log_in(page, "olivia", password)
    response = page.goto("/transcripts/00000000-0000-4000-8000-000000000000/")
    assert response.status == 404 and horizontal_overflow(page) <= 0
    take_screenshot(page, f"error-{viewport}-404", color_schemes=("light", "dark"))
    page.get_by_role("link", name="Your transcripts").click()
    expect(page).to_have_url(re.compile(r"/transcripts/$"))

    response = page.goto("/test-only/crash/")
    assert response.status == 500 and horizontal_overflow(page) <= 0
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong on our side")
    # Styled by the site's stylesheet even though the page is standalone.
    assert page.evaluate("getComputedStyle(document.querySelector('.error-page')).textAlign") == "center"
    take_screenshot(page, f"error-{viewport}-500", color_schemes=("light", "dark"))
    page.get_by_role("link", name="Go to the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("/")

    if viewport == "desktop":  # a form sent with a stale token: the CSRF failure page
        page.goto("/teams/new/")
        page.context.clear_cookies(name="csrftoken")  # still logged in, but the form's token is void
        page.get_by_label("Team name").fill("Too late")
        page.get_by_role("button", name="Create team").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("This form has expired")
        take_screenshot(page, "error-desktop-403-csrf", color_schemes=("light", "dark"))
