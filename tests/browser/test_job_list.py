"""The Transcripts list in real Chromium: filters without a reload, bulk move with a message, a
phone that never scrolls sideways, and live updates that cost one request per interval.

Screenshots: test-artifacts/screenshots/job-list-*.png.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from transcripts.models import Job, JobState, Transcript
from transcripts.services import teams as team_service
from transcripts.services.teams import create_team

from ..factories import make_completed_job, make_job
from .conftest import capture, horizontal_overflow, take_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(owner, teammate, team):
    """A team's transcripts in every state, with realistic names, plus a second team of the owner."""
    team_service.set_current_team(user=owner, team=team)
    field = create_team(user=owner, name="Field Recordings")
    now = timezone.now()
    done = [
        ("Board meeting — quarterly budget review and hiring plan for the platform team", 3725.0),
        ("Customer interview #12 (Northwind, churn risk)", 1864.0),
        ("Lecture 3: Signals and systems", 2950.0),
        ("Standup", 412.0),
        ("Board meeting, March", 3120.0),
    ]
    for minutes, (title, seconds) in enumerate(done, start=30):
        job = make_completed_job(
            team=team, user=owner if minutes % 2 else teammate, title=title, source=Job.Source.UPLOAD,
            original_filename=f"{title[:12].lower().replace(' ', '-')}.m4a",
            created_at=now - timedelta(hours=minutes),
        )  # fmt: skip
        Transcript.objects.filter(job=job).update(duration=seconds)
    make_completed_job(
        team=field, user=owner, title="Voice memo", source=Job.Source.UPLOAD,
        original_filename="2026-03-14_field-recording_site-visit_north-entrance_take-02_final_FINAL.wav",
        created_at=now - timedelta(days=3),
    )  # fmt: skip
    make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.45, title="All-hands, November")
    make_job(team=team, user=teammate, state=JobState.QUEUED, title="Weekly sync — 14 May")
    make_job(team=team, user=owner, state=JobState.FAILED, title="Corrupt upload", error_message="Not audio.")
    make_job(team=team, user=owner, state=JobState.CANCELLED, title="Lecture 4 (wrong file)")
    return team, field


def rows(page):
    return page.locator("#job-rows tbody tr")


def test_filter_by_text_and_state_without_a_reload(page, log_in, library, password):
    log_in(page, "olivia", password)
    page.goto("/transcripts/")
    expect(rows(page)).to_have_count(10)
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Search titles").fill("board")
    expect(rows(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/transcripts/\?q=board$"))

    page.get_by_label("Search titles").fill("")
    page.locator("label[for=state-active]").click()
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#job-rows")).to_contain_text("All-hands, November")
    expect(page.locator("#job-rows")).to_contain_text("Weekly sync")
    expect(page).to_have_url(re.compile(r"state=active"))

    page.locator("label[for=state-failed]").click()
    expect(page.locator("#job-rows")).to_contain_text("Corrupt upload")
    expect(rows(page)).to_have_count(2)  # failed and cancelled
    expect(page).to_have_url(re.compile(r"state=failed$"))
    page.get_by_label("Sort").select_option("title")
    expect(rows(page).first).to_contain_text("Corrupt upload")
    assert page.evaluate("window.stillTheSamePage") is True

    page.go_back()  # the history holds each filtered address
    expect(page).to_have_url(re.compile(r"state=failed$"))


def test_select_two_rows_and_move_them_to_another_team(page, log_in, library, password):
    _team, field = library
    log_in(page, "olivia", password)
    page.goto("/transcripts/?state=completed")
    move = page.get_by_role("button", name="Move", exact=True)
    expect(move).to_be_disabled()  # nothing selected yet
    page.get_by_label("Select Standup").check()
    page.get_by_label("Select Lecture 3: Signals and systems").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    capture(page, "job-list-desktop-selected")
    page.get_by_label("Move to team").select_option(label="Field Recordings")
    move.click()
    expect(page.locator("#messages")).to_contain_text("Moved 2 transcripts to Field Recordings.")
    assert set(Job.objects.filter(team=field).values_list("title", flat=True)) >= {
        "Standup",
        "Lecture 3: Signals and systems",
    }
    expect(rows(page).filter(has_text="Standup")).to_contain_text("Field Recordings")
    expect(page.locator("[data-selected-count]")).to_have_text("")  # the new rows start unselected

    page.get_by_label("Select all on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text(f"{rows(page).count()} selected")


def test_desktop_screenshots(page, log_in, library, password):
    log_in(page, "olivia", password)
    page.goto("/transcripts/")
    expect(rows(page)).to_have_count(10)
    capture(page, "job-list-desktop")
    page.get_by_label("Search titles").fill("nothing like this")
    expect(page.get_by_role("heading", name="No transcripts match")).to_be_visible()
    capture(page, "job-list-desktop-no-match")
    page.goto("/")
    capture(page, "job-list-dashboard-desktop")


def test_a_phone_shows_every_row_without_sideways_scrolling(new_page, log_in, library, password):
    page = new_page("phone")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "olivia", password)
    page.goto("/transcripts/")
    expect(rows(page)).to_have_count(10)
    assert horizontal_overflow(page) <= 0
    for row in rows(page).all():  # every row fits: nothing cut off at the right
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    long_name = page.get_by_text("2026-03-14_field-recording", exact=False)
    assert long_name.bounding_box()["x"] + long_name.bounding_box()["width"] <= 390
    take_screenshot(page, "job-list-phone-390", color_schemes=("light", "dark"))
    page.get_by_label("Select Standup").check()
    take_screenshot(page, "job-list-phone-390-selected")
    page.goto("/")
    assert horizontal_overflow(page) <= 0
    take_screenshot(page, "job-list-dashboard-phone-390", color_schemes=("light", "dark"))


def status_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/status/" in request.url else None)
    return seen


def test_the_job_page_polls_once_per_interval_and_stops_when_done(page, log_in, owner, team, password):
    job = make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.45, title="Board meeting")
    log_in(page, "olivia", password)
    seen = status_requests(page)
    page.goto(f"/transcripts/{job.pk}/")
    expect(page).to_have_title("(45%) Board meeting · Transcribe")
    page.wait_for_timeout(5_000)
    assert 1 <= len(seen) <= 3, seen  # 2 s apart in the job's first minute: one request each time

    Job.objects.filter(pk=job.pk).update(progress=0.8)
    expect(page).to_have_title("(80%) Board meeting · Transcribe", timeout=5_000)
    segment = {"start": 0.0, "end": 11.0, "text": "Ask not.", "speaker": None, "channel": 0}
    Transcript.objects.create(job=job, text="Ask not.", language="en", duration=11.0, segments=[segment])
    Job.objects.filter(pk=job.pk).update(state=JobState.COMPLETED, finished_at=timezone.now())
    expect(page.locator("#job-status .badge-completed")).to_be_visible(timeout=5_000)
    expect(page.locator("#transcript")).to_contain_text("Ask not.")  # heard job-finished, reloaded
    expect(page).to_have_title("Board meeting · Transcribe")
    after = len(seen)
    page.wait_for_timeout(4_000)
    assert len(seen) == after, "a finished job is not polled"


def test_an_old_job_is_polled_slowly(page, log_in, owner, team, password):
    old = make_job(
        team=team, user=owner, state=JobState.QUEUED, title="Long queue",
        created_at=timezone.now() - timedelta(minutes=10),
    )  # fmt: skip
    log_in(page, "olivia", password)
    seen = status_requests(page)
    page.goto(f"/transcripts/{old.pk}/")
    expect(page).to_have_title("(Queued) Long queue · Transcribe")
    page.wait_for_timeout(6_000)
    assert seen == [], "10 minutes old: the next poll is 10 s away"


def test_the_list_polls_once_per_interval_and_keeps_the_selection(page, log_in, owner, team, password):
    active = make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.1, title="Running")
    make_completed_job(team=team, user=owner, title="Finished one")
    log_in(page, "olivia", password)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "live=" in r.url else None)
    page.goto("/transcripts/")
    expect(page).to_have_title("(1 active) Transcripts · Transcribe")
    page.get_by_label("Select Finished one").check()
    page.wait_for_timeout(5_000)
    assert 1 <= len(polls) <= 3, polls  # one request per interval for the whole page

    Job.objects.filter(pk=active.pk).update(progress=0.7)
    expect(page.locator("#job-rows")).to_contain_text("70%", timeout=5_000)
    expect(page.get_by_label("Select Finished one")).to_be_checked()  # a refresh keeps the selection
    expect(page.locator("[data-selected-count]")).to_have_text("1 selected")

    create_team(user=owner, name="Archive")
    page.reload()  # the move select lists the new team
    page.get_by_label("Select Finished one").check()
    before = len(polls)
    page.wait_for_timeout(2_500)
    assert len(polls) > before  # a poll came and went (204: nothing changed) while it was checked
    page.get_by_label("Move to team").select_option(label="Archive")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("Moved 1 transcript to Archive.")
    expect(page.locator("[data-selected-count]")).to_have_text("")  # an action clears the selection
    expect(page.get_by_label("Select Finished one")).not_to_be_checked()

    Job.objects.filter(pk=active.pk).update(state=JobState.COMPLETED)
    expect(page).to_have_title("Transcripts · Transcribe", timeout=5_000)
    count = len(polls)
    time.sleep(4)
    assert len(polls) == count, "nothing active: no more polling"
