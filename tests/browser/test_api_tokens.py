"""Settings → API tokens in a real browser: create a token (shown once), use it, revoke it.

Screenshots: test-artifacts/screenshots/api-tokens-<step>-<scheme>.png.
"""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from transcripts.models import ApiToken

from .conftest import capture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_token_see_it_once_and_revoke_it(page, log_in, owner, password, site_url):
    log_in(page, "olivia", password)
    page.goto("/settings/tokens/")
    expect(page.get_by_role("heading", name="Create a token")).to_be_visible()
    expect(page.get_by_role("link", name="API tokens")).to_have_attribute("aria-current", "page")
    capture(page, "api-tokens-empty")

    page.get_by_label("Name").fill("Nightly import script")
    page.get_by_label("queued / generating", exact=False).check()
    page.get_by_role("button", name="Create token").click()

    shown = page.get_by_test_id("new-token")
    expect(shown).to_be_visible()
    secret = shown.input_value()
    assert secret.startswith("stt_")
    expect(page.get_by_text("it will not be shown again", exact=False)).to_be_visible()
    row = page.locator("tr", has_text="Nightly import script")
    expect(row).to_contain_text(secret[:12])
    expect(row).to_contain_text("queued / generating")
    expect(page.get_by_label("Name")).to_have_value("")  # a fresh form for the next one
    capture(page, "api-tokens-created")

    # The token works against the compatible endpoints (an unknown id is a 404, not a 401).
    probe = requests.get(f"{site_url}/v1/stt/0", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert probe.status_code == 404

    page.reload()
    expect(page.get_by_test_id("new-token")).to_have_count(0)  # shown once only
    assert secret not in page.content()

    row.get_by_role("link", name="Revoke").click()
    confirm = page.locator("tr.token-confirm")
    expect(confirm).to_contain_text("Revoke “Nightly import script”")
    capture(page, "api-tokens-confirm")
    confirm.get_by_role("button", name="Revoke token").click()
    expect(page.locator("tr", has_text="Nightly import script")).to_contain_text("Revoked")
    capture(page, "api-tokens-revoked")

    token = ApiToken.objects.get(user=owner)
    assert token.revoked_at is not None and token.status_style == "schema"
    refused = requests.get(f"{site_url}/v1/stt/0", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["statusCode"] == 401


def test_keep_it_leaves_the_token_alone_on_a_phone(new_page, log_in, owner, password):
    from transcripts.services.api_tokens import create_token

    create_token(user=owner, name="Laptop")
    page = new_page("phone")
    log_in(page, "olivia", password)
    page.goto("/settings/tokens/")
    page.get_by_role("link", name="Revoke").click()
    page.get_by_role("link", name="Keep it").click()
    expect(page.locator("tr", has_text="Laptop").get_by_role("link", name="Revoke")).to_be_visible()
    capture(page, "api-tokens-phone")
    assert ApiToken.objects.get(user=owner).revoked_at is None
