"""Share links in real Chromium: the owner makes a 7-day link with audio, a signed-out browser
opens it, plays from a moment and downloads the SRT; the owner revokes it and the same browser
is told so; a password-protected link refuses a wrong password and opens with the right one."""

from __future__ import annotations

from pathlib import Path

import pytest
import srt
from django.core.files import File
from playwright.sync_api import expect

from ..factories import make_completed_job
from .conftest import capture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AUDIO = Path(__file__).resolve().parents[3] / "shared" / "audio"


@pytest.fixture
def job(team, owner):
    job = make_completed_job(team=team, user=owner, title="Inaugural address", original_filename="jfk.flac")
    with open(AUDIO / "jfk.flac", "rb") as handle:
        job.audio.save("jfk.flac", File(handle))
    return job


def make_link(page, *, label: str, password: str = "") -> str:
    page.get_by_text("New share link").click()
    page.get_by_label("Label").fill(label)
    page.get_by_label("Expires").select_option("7d")
    if password:
        page.locator("#share-panel").get_by_label("Password").fill(password)
    page.get_by_role("button", name="Make link").click()
    url = page.locator("#new-share-url").input_value()
    assert "/s/" in url
    return url


def test_share_play_download_revoke_and_password(page, new_page, owner, password, log_in, job):
    log_in(page, owner.username, password)
    page.goto(job.get_absolute_url())
    url = make_link(page, label="For the press")
    expect(page.locator("#share-panel")).to_contain_text("For the press")
    capture(page, "share-panel")

    visitor = new_page()
    visitor.goto(url + "?t=4")
    expect(visitor.get_by_role("heading", name="Inaugural address")).to_be_visible()
    assert visitor.locator("nav[aria-label='Main']").count() == 0, "no way into the app"
    visitor.wait_for_function("document.querySelector('audio[data-player]').readyState >= 1")
    assert abs(visitor.evaluate("document.querySelector('audio[data-player]').currentTime") - 4.0) < 0.3
    visitor.locator("[data-seek]").first.click()
    assert visitor.evaluate("document.querySelector('audio[data-player]').currentTime") < 0.5
    visitor.get_by_label("Format").select_option("srt")
    with visitor.expect_download() as info:
        visitor.get_by_role("button", name="Download", exact=True).click()
    cues = list(srt.parse(Path(info.value.path()).read_text()))
    assert cues and "your country" in cues[0].content
    capture(visitor, "share-public")

    page.locator("#share-panel").get_by_role("button", name="Revoke For the press").click()
    expect(page.locator("#share-panel")).to_contain_text("Revoked")
    visitor.goto(url)
    expect(visitor.get_by_role("heading", name="This link was revoked")).to_be_visible()
    assert "Inaugural address" not in visitor.content()

    protected = make_link(page, label="Board", password="sesame-street")
    visitor.goto(protected)
    visitor.get_by_label("Password").fill("open sesame")
    visitor.get_by_role("button", name="Open transcript").click()
    expect(visitor.get_by_text("That password is not right.")).to_be_visible()
    visitor.get_by_label("Password").fill("sesame-street")
    visitor.get_by_role("button", name="Open transcript").click()
    expect(visitor.get_by_role("heading", name="Inaugural address")).to_be_visible()
