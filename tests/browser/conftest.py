"""Browser fixtures for the whole project: Debian's Chromium driven by Playwright's sync API.

``page`` opens a fresh browser context (desktop size unless a test asks for ``viewport``) whose
relative URLs resolve against ``site_url``, pytest-django's live server. ``screenshot(page,
name)`` writes whole-page PNGs under ``test-artifacts/screenshots/`` for people to look at.
Mark browser tests ``@pytest.mark.browser``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 375, "height": 812},
}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is started; Django's
    # ORM would then refuse the test's own (synchronous) queries without this. Module scope: the
    # loop and the flag end with each browser module, so no test outside one ever sees either.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site_url(live_server, transactional_db) -> str:
    return live_server.url


@pytest.fixture
def viewport() -> str:
    """Override (or parametrize) to run a test on another of ``VIEWPORTS``."""
    return "desktop"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@pytest.fixture
def new_page(browser, site_url, request) -> Iterator[Callable]:
    """Open a page in a browser context of its own (another person, another device).

    When the test fails, each page's last state is saved as ``failure-<test>-<n>.png``.
    """
    contexts = []

    def open_page(viewport: str = "desktop", color_scheme: str = "light"):
        phone = viewport == "phone"
        context = browser.new_context(
            base_url=site_url,
            viewport=VIEWPORTS[viewport],
            is_mobile=phone,
            has_touch=phone,
            color_scheme=color_scheme,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    if getattr(request.node, "browser_test_failed", False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^\w-]+", "-", request.node.name).strip("-")
        for number, context in enumerate(contexts):
            for page in context.pages:
                page.screenshot(path=str(SCREENSHOTS / f"failure-{slug}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page, viewport):
    return new_page(viewport)


def log_in_as(page, username: str, password: str) -> None:
    """Log in through the real form, as a person would (django-axes sees a real request)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def log_in() -> Callable[[object, str, str], None]:
    return log_in_as


def horizontal_overflow(page) -> int:
    """Pixels the page is wider than the window: anything above 0 means sideways scrolling.

    Measured against the layout viewport (clientWidth): a phone-mode browser widens
    ``window.innerWidth`` to whatever overflows, which would always read 0.
    """
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def take_screenshot(page, name: str, *, color_schemes: tuple[str, ...] = ("light",)) -> list[Path]:
    """Whole-page PNGs of what ``page`` shows now, one per colour scheme (``name-dark.png``…)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    # Playwright's full_page capture paints fixed bars (the phone tab bar) at the first screen's
    # bottom; a window as tall as the page puts them where a reader scrolled down sees them.
    page.wait_for_load_state("load")  # after a click, the stylesheet may still be on its way
    page.evaluate("window.scrollTo(0, 0)")
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    paths = []
    for scheme in color_schemes:
        page.emulate_media(color_scheme=scheme)
        path = SCREENSHOTS / (f"{name}-{scheme}.png" if len(color_schemes) > 1 else f"{name}.png")
        page.screenshot(path=str(path), animations="disabled")
        paths.append(path)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(viewport)
    return paths


def capture(page, name: str) -> list[Path]:
    """Light and dark screenshots, after checking the page does not scroll sideways."""
    assert horizontal_overflow(page) <= 0, f"{name}: the page is wider than the window"
    return take_screenshot(page, name, color_schemes=("light", "dark"))


@pytest.fixture
def screenshot() -> Callable[..., list[Path]]:
    return take_screenshot
