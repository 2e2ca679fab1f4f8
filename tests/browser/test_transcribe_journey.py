"""The first-run journey: sign up, upload jfk.flac with no key, watch the transcript appear.

The local engine runs in a real django-q2 inference cluster on the test database.
"""

from pathlib import Path

import pytest

from tests.cluster import running_cluster

pytestmark = [pytest.mark.browser, pytest.mark.cluster, pytest.mark.engine]
AUDIO = Path(__file__).resolve().parents[3] / "shared" / "audio"


def test_sign_up_and_transcribe_with_no_key(page, screenshot, password):
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password confirmation").fill(password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Transcribe").first.click()
    model = page.get_by_label("Model")
    assert model.input_value().startswith("local/"), "the local engine is preselected without a key"
    page.get_by_label("Audio or video files").set_input_files(str(AUDIO / "jfk.flac"))
    page.get_by_label("Title").fill("Inaugural address")
    screenshot(page, "transcribe-form", color_schemes=("light", "dark"))

    with running_cluster(inference=True):
        page.get_by_role("button", name="Start transcription").click()
        page.wait_for_url("**/transcripts/*/")
        page.get_by_text("ask not what your country can do for you", exact=False).wait_for(timeout=90_000)
    assert page.locator(".badge-completed").count() == 1
    assert page.locator("audio.player").count() == 1
    screenshot(page, "transcript-detail", color_schemes=("light", "dark"))

    page.get_by_role("link", name="Transcripts").first.click()
    assert page.get_by_role("link", name="Inaugural address").is_visible()
    screenshot(page, "transcript-list")
