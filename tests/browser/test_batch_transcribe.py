"""The Transcribe page in real Chromium: several files and links in one submission, a bad item
among good ones, the model's options (basic first, the rest under "Advanced"), and how the page
looks on a desktop (light and dark) and on a 390 px phone.

The batch journey runs the local engine in a real django-q2 inference cluster; the link is served
by the clip server of tests/speech_helpers.py on 127.0.0.1, which the web process (this test's
settings) and the cluster (its environment) are both allowed to fetch from.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import capture
from tests.cluster import running_cluster, wait_for
from tests.speech_helpers import AUDIO, audio_server
from transcripts.models import Job, JobState

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def allow_loopback(settings):
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the clip server, in this test only


@pytest.fixture
def console_errors():
    return []


def open_transcribe(new_page, log_in, owner, password, console_errors, **kwargs):
    page = new_page(**kwargs)
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    log_in(page, owner.username, password)
    page.goto("/transcribe/")
    return page


@pytest.mark.cluster
@pytest.mark.engine
def test_a_batch_of_two_files_and_a_link_makes_three_jobs(
    new_page, log_in, owner, password, allow_loopback, console_errors
):
    page = open_transcribe(new_page, log_in, owner, password, console_errors)
    page.get_by_label("Audio or video files").set_input_files(
        [str(AUDIO / "jfk.flac"), str(AUDIO / "hotwords.mp3")]
    )
    assert page.locator(".file-item").count() == 2
    assert "2 files" in page.locator("[data-file-summary]").inner_text()
    with audio_server() as server:
        page.get_by_label("Links").fill(server.url("stereo_diarization.wav"))
        with running_cluster(inference=True, STT_URL_FETCH_ALLOWED_NETWORKS="127.0.0.0/8"):
            page.get_by_role("button", name="Start transcription").click()
            page.wait_for_url("**/transcripts/")
            page.get_by_text("3 transcriptions queued.").wait_for()
            jobs = Job.objects.filter(created_by=owner)  # in the owner's current team
            assert sorted(jobs.values_list("title", flat=True)) == ["hotwords", "jfk", "stereo_diarization"]
            assert {job.source for job in jobs} == {"upload", "url"}
            wait_for(
                lambda: Job.objects.filter(state=JobState.COMPLETED).count() == 3,
                timeout=180,
                what="three completed jobs",
            )
    assert "ask not what your country" in Job.objects.get(title="jfk").transcript.text.lower()
    assert console_errors == []


def test_a_bad_item_among_good_ones_is_named_and_the_good_ones_are_queued(
    new_page, log_in, owner, password, allow_loopback, console_errors, tmp_path
):
    notes = tmp_path / "notes.txt"
    notes.write_text("Agenda: budget, hiring, launch date.\n" * 20)
    page = open_transcribe(new_page, log_in, owner, password, console_errors)
    page.get_by_label("Audio or video files").set_input_files([str(AUDIO / "jfk.flac"), str(notes)])
    page.get_by_label("Links").fill("http://127.0.0.1:9/interview.mp3\nftp://example.com/call.mp3")
    page.get_by_role("button", name="Start transcription").click()
    page.wait_for_url("**/transcripts/")
    warning = page.locator(".message.warning")
    warning.wait_for()
    text = warning.inner_text()
    assert "2 transcriptions queued; 2 items were refused" in text
    assert "notes.txt: This file has no audio stream we can read." in text
    assert "line 2 (ftp://example.com/call.mp3): Enter an http:// or https:// address" in text
    assert sorted(Job.objects.values_list("title", flat=True)) == ["interview", "jfk"]
    assert console_errors == []


def test_when_every_item_is_refused_nothing_is_queued_and_the_files_stay_chosen(
    new_page, log_in, owner, password, console_errors, tmp_path
):
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio\n" * 50)
    page = open_transcribe(new_page, log_in, owner, password, console_errors)
    page.get_by_label("Audio or video files").set_input_files([str(notes)])
    page.get_by_label("Links").fill("\n\nftp://example.com/call.mp3")
    page.get_by_role("button", name="Start transcription").click()
    page.locator(".field-errors").first.wait_for()
    assert "notes.txt: This file has no audio stream we can read." in page.content()
    assert "line 3 (ftp://example.com/call.mp3): Enter an http:// or https:// address" in page.content()
    assert page.get_by_label("Links").input_value() == "\n\nftp://example.com/call.mp3"  # as typed
    # htmx kept the file input: the file is still chosen, and listed again.
    assert page.evaluate("document.querySelector('#id_audio').files.length") == 1
    assert page.locator(".file-item").count() == 1
    assert not Job.objects.exists()
    capture(page, "transcribe-refused")
    assert console_errors == []


def test_one_progress_bar_shows_the_whole_batch_upload(
    new_page, log_in, owner, password, console_errors, screenshot
):
    page = open_transcribe(new_page, log_in, owner, password, console_errors)
    page.get_by_label("Audio or video files").set_input_files(
        [str(AUDIO / "jfk.flac"), str(AUDIO / "stereo_diarization.wav")]
    )
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400_000},
    )
    page.get_by_role("button", name="Start transcription").click()
    bar = page.locator("#upload-progress")
    bar.wait_for(state="visible")
    page.get_by_text(re.compile(r"Uploading: [\d.]+ (KB|MB) of 1\.\d MB \(\d+ %\)")).wait_for()
    assert page.locator("#transcribe-submit").is_disabled()
    screenshot(page, "transcribe-uploading")
    page.wait_for_url("**/transcripts/", timeout=30_000)
    assert Job.objects.count() == 2
    assert console_errors == []


def test_too_many_items_are_stopped_before_anything_is_uploaded(
    new_page, log_in, owner, password, console_errors
):
    page = open_transcribe(new_page, log_in, owner, password, console_errors)
    page.get_by_label("Links").fill("\n".join(f"https://example.com/{n}.mp3" for n in range(21)))
    requests = []
    page.on("request", lambda request: request.method == "POST" and requests.append(request.url))
    page.get_by_role("button", name="Start transcription").click()
    page.get_by_text("That is 21 recordings; send up to 20 at a time.").wait_for()
    assert requests == [] and not Job.objects.exists()


def test_options_basic_first_advanced_folded_and_no_htmx_errors(
    new_page, log_in, owner, password, console_errors
):
    page = open_transcribe(new_page, log_in, owner, password, console_errors)
    note = page.locator(".model-note")
    assert note.inner_text().startswith("Default: the local engine")
    assert page.get_by_label("Task").locator("option:checked").inner_text() == "Transcribe (default)"
    page.get_by_label("Model").select_option("nova-3")
    page.locator(".model-options").get_by_text("Deepgram's most accurate").wait_for()
    # Only the preselected model says why it was preselected; a cloud model says it needs a key.
    assert page.locator(".model-note").inner_text() == (
        "Nova-3 needs an AI/ML API key: add one in Settings, or pick the local engine."
    )
    assert page.get_by_label("Speaker labels").is_visible()
    advanced = page.locator("details.advanced-options")
    assert advanced.get_attribute("open") is None
    assert not page.get_by_label("Utterance pause").is_visible()
    advanced.locator("summary").click()
    assert page.get_by_label("Utterance pause").is_visible()
    assert "At least 0." in page.locator(".field", has=page.get_by_label("Utterance pause")).inner_text()
    capture(page, "transcribe-nova3-advanced")
    assert [error for error in console_errors if re.search("htmx|selector", error, re.I)] == []
    assert console_errors == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_screenshots_of_the_transcribe_page(new_page, log_in, owner, password, console_errors, viewport):
    page = open_transcribe(new_page, log_in, owner, password, console_errors, viewport=viewport)
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    page.get_by_label("Audio or video files").set_input_files(
        [str(AUDIO / "jfk.flac"), str(AUDIO / "hotwords.mp3")]
    )
    page.get_by_label("Links").fill("https://example.com/board-meeting-2026-03.mp3")
    capture(page, f"transcribe-{viewport}")
    page.locator("details.advanced-options summary").click()
    capture(page, f"transcribe-{viewport}-advanced")
    assert console_errors == []
