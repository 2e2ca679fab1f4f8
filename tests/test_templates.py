"""Templates: one settings frame, and nothing inline that a content security policy would block
(inline <script> or <style>, style="…" attributes, on…= handlers, hx-on, javascript: links)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from transcripts.services import teams as team_service

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "<style>": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S),
    "on… handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S),
    "hx-on": re.compile(r"\shx-on\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
SETTINGS_PAGES = ["settings_home", "provider_key", "api_tokens", "usage"]
SETTINGS_PAGES += ["password_change", "password_change_done"]  # under "Account" in the sub-navigation
TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


def inline_code(html: str) -> list[str]:
    return [name for name, pattern in INLINE.items() if pattern.search(html)]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_carries_inline_code_or_styles(path):
    assert inline_code(path.read_text()) == []


def test_the_patterns_catch_what_they_should():
    everything = '<script>alert(1)</script><style>p{}</style><p style="x" onclick="y" hx-on:click="z">'
    assert inline_code(everything) == [
        "inline <script>",
        "<style>",
        "style attribute",
        "on… handler",
        "hx-on",
    ]
    assert inline_code('<script src="/static/js/copy.js" defer></script>') == []
    assert inline_code('<script id="d" type="application/json">{}</script>') == []


def test_rendered_pages_carry_no_inline_code(owner_client, owner, team):
    team_service.invite(team=team, by=owner, email="new.hire@example.com")
    names = ["dashboard", "transcribe", "job_list", "search", "team_list", *SETTINGS_PAGES]
    urls = [reverse(name) for name in names] + [reverse("team_detail", args=[team.pk])]
    for url in urls:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_every_settings_page_is_drawn_in_the_one_frame(owner_client, name):
    response = owner_client.get(reverse(name))
    html = response.content.decode()
    assert "settings/_layout.html" in [template.name for template in response.templates]
    assert html.count('class="settings-layout"') == 1 and html.count('<nav class="subnav"') == 1
    assert html.count('class="settings-main stack"') == 1
    subnav = html.split('<nav class="subnav"')[1].split("</nav>")[0]
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', subnav)
    expected = "settings_home" if name.startswith("password_change") else name
    assert current == [reverse(expected)]
