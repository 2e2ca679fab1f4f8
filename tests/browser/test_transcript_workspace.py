"""The transcript workspace in real Chromium, on a real transcription by the local engine.

Upload jfk.flac → the page updates without a reload → click a word and the player is there →
name the speaker → correct a segment and undo it → download SRT and WebVTT (and play the VTT as a
<track>) → a ?t= link opens at that moment. Screenshots: test-artifacts/screenshots/workspace-*.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
import srt
import webvtt
from playwright.sync_api import expect

from tests.cluster import running_cluster

from .conftest import capture, horizontal_overflow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.cluster,
    pytest.mark.engine,
    pytest.mark.django_db(transaction=True),
]
AUDIO = Path(__file__).resolve().parents[3] / "shared" / "audio"


def current_time(page) -> float:
    return page.evaluate("document.querySelector('audio[data-player]').currentTime")


def download_text(page, fmt: str) -> str:
    page.get_by_label("Format").select_option(fmt)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download", exact=True).click()
    return Path(info.value.path()).read_text()


def test_listen_read_along_correct_and_export(page, owner, password, log_in):
    log_in(page, owner.username, password)
    page.goto("/transcribe/")
    page.get_by_label("Audio or video file").set_input_files(str(AUDIO / "jfk.flac"))
    page.get_by_label("Title").fill("Inaugural address")
    page.evaluate("window.notReloaded = true")
    with running_cluster(inference=True):
        page.get_by_role("button", name="Start transcription").click()
        page.wait_for_url("**/transcripts/*/")
        page.evaluate("window.notReloaded = true")
        expect(page.locator(".message.success")).to_contain_text("is queued")
        page.locator(".w", has_text="country").first.wait_for(timeout=90_000)
    assert page.evaluate("window.notReloaded === true"), "the transcript arrived without a reload"
    expect(page.locator(".message")).to_have_count(0)  # "… is queued." went when the job finished
    job_url = page.url

    # Read along: a plain click on a word plays from that word.
    word = page.locator(".w", has_text="country").first
    start = float(word.get_attribute("data-start"))
    word.click()
    page.wait_for_function("document.querySelector('audio[data-player]').readyState >= 1")
    assert abs(current_time(page) - start) < 0.5
    expect(page.locator(".w.is-current")).to_have_count(1)

    # Name the speaker: every segment and the panel say the new name.
    page.get_by_role("button", name="Rename Speaker 0").click()
    page.get_by_label("New name for Speaker 0").fill("John F. Kennedy")
    page.locator("#speakers").get_by_role("button", name="Save").click()
    expect(page.locator("#segments .speaker").first).to_have_text("John F. Kennedy")
    expect(page.locator("#speakers")).to_contain_text("John F. Kennedy")

    # Correct a segment, then undo it; the history says both.
    first = page.locator(".segment").first
    original = first.locator(".segment-text").inner_text()
    first.get_by_role("button", name="Correct the text at").click()
    page.locator(".segment-form textarea").fill("And so, my fellow citizens of the world.")
    page.locator(".segment-form").get_by_role("button", name="Save").click()
    expect(page.locator(".segment").first.locator(".segment-text")).to_have_text(
        "And so, my fellow citizens of the world."
    )
    expect(page.locator("#history")).to_contain_text("corrected")
    page.locator(".segment").first.get_by_role("button", name="Undo").click()
    expect(page.locator(".segment").first.locator(".segment-text")).to_have_text(original.strip())
    expect(page.locator("#history")).to_contain_text("undid a change")

    # Downloads parse, cues increase without overlapping, and the speaker's name is in them.
    cues = list(srt.parse(download_text(page, "srt")))
    assert cues and all(a.end <= b.start for a, b in pairwise(cues))
    assert "John F. Kennedy" in cues[0].content
    vtt = download_text(page, "vtt")
    captions = webvtt.from_string(vtt).captions
    assert len(captions) == len(cues) and "<v John F. Kennedy>" in vtt

    # The same VTT plays as subtitles in Chromium's <track>.
    track_cues = page.evaluate(
        """(url) => new Promise((resolve, reject) => {
            const video = document.createElement('video');
            const track = document.createElement('track');
            track.kind = 'subtitles'; track.src = url; track.default = true;
            track.addEventListener('load', () => resolve(track.track.cues.length));
            track.addEventListener('error', () => reject('the track did not load'));
            video.appendChild(track); document.body.appendChild(video);
            track.track.mode = 'hidden';
        })""",
        job_url + "export/?format=vtt",
    )
    assert track_cues == len(captions)

    # A moment link opens with the player at that time and the segment in view.
    page.goto(job_url + "?t=5")
    page.wait_for_function("document.querySelector('audio[data-player]').readyState >= 1")
    assert abs(current_time(page) - 5.0) < 0.25
    expect(page.locator(".segment.is-playing")).to_have_count(1)

    capture(page, "workspace-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    assert horizontal_overflow(page) <= 0
    capture(page, "workspace-phone")


def test_keyboard_space_plays_and_arrows_skip(page, owner, password, log_in, team):
    from django.core.files import File

    from ..factories import make_completed_job

    job = make_completed_job(team=team, user=owner, original_filename="jfk.flac")
    with open(AUDIO / "jfk.flac", "rb") as handle:
        job.audio.save("jfk.flac", File(handle))
    log_in(page, owner.username, password)
    page.goto(job.get_absolute_url())
    page.wait_for_function("document.querySelector('audio[data-player]').readyState >= 1")
    page.locator("h1").click()  # focus on the page, not a field
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert abs(current_time(page) - 10.0) < 0.3
    page.keyboard.press("ArrowLeft")
    assert abs(current_time(page) - 5.0) < 0.3
    page.keyboard.press("Space")
    page.wait_for_function("!document.querySelector('audio[data-player]').paused")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('audio[data-player]').paused")
    page.get_by_label("Playback speed").select_option("1.5")
    assert page.evaluate("document.querySelector('audio[data-player]').playbackRate") == 1.5
