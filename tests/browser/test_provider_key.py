"""Settings → AI/ML API key in a real browser: add a key, see it masked, check it, remove it.

Screenshots: test-artifacts/screenshots/provider-key-{light,dark}.png and usage-{light,dark}.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.fake_aimlapi import GOOD_KEY, fake_aimlapi_fixture  # noqa: F401
from transcripts.models import ProviderKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_check_and_remove_a_key(page, log_in, screenshot, owner, team, password, fake_aimlapi):
    log_in(page, "olivia", password)
    page.goto("/settings/api-key/")
    expect(page.get_by_role("link", name="AI/ML API key")).to_have_attribute("aria-current", "page")
    card = page.locator("#key-user")
    card.get_by_label("API key").fill(GOOD_KEY)
    card.get_by_role("button", name="Save key").click()
    expect(card).to_contain_text("Key saved")
    expect(card.get_by_test_id("masked-key")).to_have_text(f"••••{GOOD_KEY[-4:]}")
    expect(page.locator("#key-in-use")).to_contain_text(
        f"your key ••••{GOOD_KEY[-4:]}"
    )  # updated out of band
    assert GOOD_KEY not in page.content()

    card.get_by_role("button", name="Check key").click()
    expect(card).to_contain_text("The AI/ML API accepted this key.")
    expect(card.locator(".badge")).to_have_text("Working")
    assert ProviderKey.objects.get(user=owner).status == ProviderKey.Status.VALID
    assert fake_aimlapi.create_count == 0
    screenshot(page, "provider-key", color_schemes=("light", "dark"))

    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Remove key").click()
    expect(card).to_contain_text("Key removed.")
    expect(card.get_by_role("button", name="Save key")).to_be_visible()
    expect(page.locator("#key-in-use")).to_contain_text("no key yet")
    assert not ProviderKey.objects.filter(user=owner).exists()


def test_usage_page(page, log_in, screenshot, owner, teammate, team, password):
    from tests.factories import make_completed_job

    for user, model, seconds, payer in [
        (owner, "#g1_nova-2-meeting", 1843.2, ("olivia", "good")),
        (teammate, "aai/universal", 611.0, ("team Acme Research", "7777")),
        (teammate, "#g1_nova-2-meeting", 95.5, ("team Acme Research", "7777")),
    ]:
        job = make_completed_job(
            team=team, user=user, provider="cloud", model=model, key_owner=payer[0], key_last4=payer[1]
        )
        job.transcript.duration = seconds
        job.transcript.save()
    log_in(page, "olivia", password)
    page.goto("/settings/usage/")
    expect(page.get_by_test_id("total-duration")).to_have_text("42 min 30 s")
    expect(page.get_by_role("cell", name="team Acme Research ••••7777")).to_be_visible()
    screenshot(page, "usage", color_schemes=("light", "dark"))
