"""The site's own error pages, with DEBUG off as in production (and in every test run).

404, 403 and a CSRF failure are rendered with the request, so they are pages of the site (its
frame and navigation). 500 is rendered by Django with an empty context and no request, so
500.html stands alone: no context processors, no database, no user; 400.html uses the same frame.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.template import loader
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from stt_site.urls import urlpatterns as site_urlpatterns
from tests.factories import make_job

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("a bug in a view")


def malformed(request):
    raise SuspiciousOperation("a malformed request")


# A URLconf for these tests only (@pytest.mark.urls(__name__)): the site's own URLs plus two that
# fail on purpose. The real site has no such URL.
urlpatterns = [path("test-only/crash/", crash), path("test-only/malformed/", malformed), *site_urlpatterns]

STYLESHEET = f"/{settings.STATIC_URL.strip('/')}/css/app.css"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def templates(response) -> list[str]:
    return [template.name for template in response.templates]


def test_a_missing_job_is_the_sites_own_404(owner_client):
    response = owner_client.get(reverse("job_detail", args=[uuid.uuid4()]))
    html = text(response)
    assert response.status_code == 404
    assert templates(response)[:2] == ["404.html", "base.html"]
    assert "We can’t find that page" in html and "<title>Page not found · Transcribe</title>" in html
    assert f'href="{reverse("dashboard")}">Go to the dashboard' in html
    assert f'href="{reverse("job_list")}">Your transcripts' in html
    assert 'aria-label="Main"' in html  # the site's navigation, and it says "Teams" like the page
    assert re.search(r"</svg>Teams</a>", html) and not re.search(r"</svg>Team</a>", html)


def test_a_job_of_another_team_is_the_same_404(client, owner, outsider, team):
    job = make_job(team=team, user=owner, title="Board meeting")
    client.force_login(outsider)
    response = client.get(job.get_absolute_url())
    assert response.status_code == 404 and "We can’t find that page" in text(response)
    assert "Board meeting" not in text(response)


def test_a_visitor_who_is_not_logged_in_is_offered_the_log_in(client):
    response = client.get("/no-such-page/")
    html = text(response)
    assert response.status_code == 404 and "We can’t find that page" in html
    assert f'href="{reverse("login")}">Log in' in html and "Your transcripts" not in html


def test_permission_denied_is_the_sites_own_403_with_its_reason(teammate_client, team):
    data = {"scope": "team", "team": team.pk, "action": "save", "secret": "sk-team-9876543210fedcba-7777"}
    response = teammate_client.post(reverse("provider_key"), data)
    html = text(response)
    assert response.status_code == 403 and templates(response)[:2] == ["403.html", "base.html"]
    assert "You don’t have access to this" in html
    assert "Only the team&#x27;s owners can change its API key." in html
    assert f'href="{reverse("team_list")}">Your teams' in html


def test_a_csrf_failure_explains_the_form_expired(owner, team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("team_create"), {"name": "No token"})
    html = text(response)
    assert response.status_code == 403 and templates(response)[:2] == ["403_csrf.html", "base.html"]
    assert "This form has expired" in html and "reload the page" in html
    assert 'name="csrfmiddlewaretoken"' in html  # the frame's forms carry a fresh token


@pytest.mark.urls(__name__)
def test_a_server_error_is_the_sites_own_standalone_page(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.get("/test-only/crash/")
    html = text(response)
    assert response.status_code == 500 and templates(response) == ["500.html"]
    assert "Something went wrong on our side" in html and "a bug in a view" not in html
    assert f'href="{reverse("dashboard")}">Go to the dashboard' in html
    assert f'href="{reverse("job_list")}">Your transcripts' in html
    assert "olivia" not in html and 'aria-label="Main"' not in html  # nothing of the request
    assert f'<link rel="stylesheet" href="{STYLESHEET}">' in html
    assert client.get(STYLESHEET).status_code == 200  # the plain path is served


@pytest.mark.urls(__name__)
def test_a_bad_request_is_drawn_in_the_same_frame():
    response = Client(raise_request_exception=False).get("/test-only/malformed/")
    html = text(response)
    assert response.status_code == 400 and templates(response) == ["400.html", "500.html"]
    assert "That request could not be handled" in html and "a malformed request" not in html
    assert "Something went wrong" not in html and STYLESHEET in html


@pytest.mark.parametrize("name", ["500.html", "400.html"])
def test_the_standalone_pages_need_no_context_and_no_database(name):
    with CaptureQueriesContext(connection) as queries:
        html = loader.get_template(name).render()  # exactly how Django renders 500.html
    assert len(queries) == 0
    assert "Error 5" in html or "Error 4" in html
    assert "{%" not in html and "{{" not in html
