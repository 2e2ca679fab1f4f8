"""Search in real Chromium: a phrase spoken in jfk.flac, transcribed by the local engine, is found
as you type, and its moment opens with the player there; find in transcript steps through hits.
Screenshots: test-artifacts/screenshots/search-*.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files import File
from django.utils import timezone
from playwright.sync_api import expect

from tests.cluster import running_cluster
from tests.factories import make_job
from transcripts.models import JobState, Transcript
from transcripts.search import index_job
from transcripts.services.teams import create_team

from .conftest import capture, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AUDIO = Path(__file__).resolve().parents[3] / "shared" / "audio"
PHONE = {"width": 390, "height": 844}


def current_time(page) -> float:
    return page.evaluate("document.querySelector('audio[data-player]').currentTime")


def seconds(label: str) -> float:
    minutes, secs = label.strip().split(":")[-2:]
    return int(minutes) * 60 + int(secs)


@pytest.mark.cluster
@pytest.mark.engine
def test_a_spoken_phrase_is_found_and_opens_at_its_moment(page, owner, password, log_in):
    log_in(page, owner.username, password)
    page.goto("/transcribe/")
    page.get_by_label("Audio or video file").set_input_files(str(AUDIO / "jfk.flac"))
    page.get_by_label("Title").fill("Inaugural address")
    with running_cluster(inference=True):
        page.get_by_role("button", name="Start transcription").click()
        page.wait_for_url("**/transcripts/*/")
        page.locator(".w", has_text="country").first.wait_for(timeout=90_000)

    # The box in the top bar searches from any page.
    page.get_by_role("searchbox", name="Search transcripts").fill("fellow")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=fellow")
    expect(page.locator(".search-hit mark").first).to_have_text(re.compile("fellow", re.I))

    # As you type: every key sends nothing until a pause; the answer replaces the results.
    box = page.locator("#search-q")
    box.fill("")
    box.press_sequentially("ask not what your country", delay=40)
    hit = page.locator(".search-snippet", has=page.locator("mark", has_text=re.compile("not", re.I))).first
    expect(hit).to_be_visible(timeout=10_000)
    expect(page).to_have_url(re.compile(r"/search/\?q=ask\+not\+what\+your\+country$"))
    expect(hit.locator("mark").first).to_be_visible()
    label = hit.locator(".search-snippet-time").inner_text()
    assert re.fullmatch(r"\d+:\d\d", label), label
    start = float(re.search(r"[?&]t=([\d.]+)", hit.get_attribute("href")).group(1))
    assert abs(start - seconds(label)) < 1
    capture(page, "search-results")
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) <= 0
    capture(page, "search-results-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The hit opens the transcript with the player at that moment and the words marked.
    hit.click()
    page.wait_for_url(re.compile(r"/transcripts/[^/]+/\?t="))
    page.wait_for_function("document.querySelector('audio[data-player]').readyState >= 1")
    assert abs(current_time(page) - start) <= 0.5
    expect(page.locator(".segment.is-playing")).to_have_count(1)
    expect(page.get_by_role("searchbox", name="Find in transcript")).to_have_value(
        "ask not what your country"
    )
    expect(page.locator(".segment.is-playing mark.find-hit.is-current")).to_have_count(1)
    capture(page, "search-opened-moment")


def _meeting(team, user, title, lines, *, days=0, language="en", audio=False):
    job = make_job(
        team=team,
        user=user,
        state=JobState.COMPLETED,
        title=title,
        created_at=timezone.now() - timedelta(days=days),
        original_filename="jfk.flac" if audio else "",
    )
    words = []
    segments = []
    for start, speaker, text in lines:
        tokens = text.split()
        step = 2.5 / max(1, len(tokens))
        segments.append({"start": start, "end": start + 2.5, "text": text, "speaker": speaker, "channel": 0})
        words += [
            {"text": token, "start": start + n * step, "end": start + (n + 1) * step, "speaker": speaker}
            for n, token in enumerate(tokens)
        ]
    Transcript.objects.create(
        job=job, text=" ".join(t for _, _, t in lines), language=language, duration=120.0,
        segments=segments, words=words, speaker_names={"A": "Maya Chen", "B": "Jonas Weber"},
    )  # fmt: skip
    if audio:
        with open(AUDIO / "jfk.flac", "rb") as handle:
            job.audio.save("jfk.flac", File(handle))
    index_job(job_id=job.pk)
    return job


@pytest.fixture
def meetings(team, owner, teammate):
    side = create_team(user=owner, name="Product council")
    return [
        _meeting(
            team,
            owner,
            "Q3 budget review",
            [
                (
                    0.0,
                    "A",
                    "Thanks everyone. First item is the quarterly budget, which is over by ten percent.",
                ),
                (4.0, "B", "Most of the overrun is the launch event; the venue cost twice the estimate."),
                (8.5, "A", "Can we see a revised budget before the board meets on Thursday?"),
                (12.0, "B", "Yes, I will share the budget forecast in the finance folder."),
            ],
        ),
        _meeting(
            side,
            owner,
            "Launch retrospective",
            [
                (0.0, "A", "The launch went well, but marketing spent its whole budget in the first week."),
                (5.0, "B", "Next time we keep a reserve in the budget for the follow-up campaign."),
            ],
            days=3,
        ),
        _meeting(
            team,
            teammate,
            "Customer interview: Northwind",
            [(0.0, "B", "Their budget for tooling is set every January, so timing matters.")],
            days=9,
        ),
    ]


@pytest.mark.parametrize("viewport", ["desktop"])
def test_the_search_page_filters_and_pages_look_right(page, owner, password, log_in, meetings, team):
    log_in(page, owner.username, password)
    page.goto("/search/")
    capture(page, "search-empty")
    page.locator("#search-q").fill("budget")
    expect(page.locator(".search-hit")).to_have_count(3)
    expect(page.locator(".search-status")).to_contain_text("3 transcripts match")
    # The team filter narrows, and the address says so.
    page.locator("summary", has_text="Filters and sort").click()
    page.get_by_label("Team", exact=True).select_option(str(team.pk))
    expect(page.locator(".search-hit")).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"team={team.pk}"))
    capture(page, "search-filtered")
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) <= 0
    capture(page, "search-filtered-phone")


def test_find_in_transcript_marks_every_hit_and_steps_through_them(page, owner, password, log_in, meetings):
    log_in(page, owner.username, password)
    page.goto(meetings[0].get_absolute_url())
    find = page.get_by_role("searchbox", name="Find in transcript")
    words = page.locator(".segment-text .w").count()
    assert words > 40
    find.fill("budget")
    count = page.locator("[data-find-count]")
    expect(count).to_have_text("1 of 3")
    expect(page.locator("mark.find-hit")).to_have_count(3)
    expect(page.locator(".w mark.find-hit")).to_have_count(3)  # inside the word spans, which stay
    expect(page.locator(".segment-text .w")).to_have_count(words)  # none split or lost
    find.press("Enter")
    expect(count).to_have_text("2 of 3")
    expect(page.locator("mark.find-hit.is-current")).to_have_text("budget")
    page.get_by_role("button", name="Next match").click()
    expect(count).to_have_text("3 of 3")
    page.get_by_role("button", name="Next match").click()
    expect(count).to_have_text("1 of 3")  # round again
    page.get_by_role("button", name="Previous match").click()
    expect(count).to_have_text("3 of 3")
    # A phrase across word spans is one hit; a word that is not there says so.
    find.fill('"revised budget"')
    expect(count).to_have_text("1 of 1")
    # One hit in three marks: "revised", the space between the word spans, "budget".
    expect(page.locator("mark.find-hit.is-current")).to_have_count(3)
    find.fill("zebra")
    expect(count).to_have_text("No matches")
    find.fill("budget")
    expect(count).to_have_text("1 of 3")
    capture(page, "search-find-in-transcript")
    page.set_viewport_size(PHONE)
    assert horizontal_overflow(page) <= 0
    capture(page, "search-find-in-transcript-phone")
    find.press("Escape")
    expect(page.locator("mark.find-hit")).to_have_count(0)
