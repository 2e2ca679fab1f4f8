"""Usage: seconds of cloud audio per user, team, model and key — only for the viewer's teams."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_completed_job, make_job
from transcripts.models import JobState, Transcript
from transcripts.services.teams import create_team
from transcripts.services.usage import format_duration, usage_report

pytestmark = pytest.mark.django_db


def cloud_job(*, team, user, duration, model="#g1_nova-2-general", key=("olivia", "AbCd"), days_ago=0):
    job = make_completed_job(
        team=team, user=user, provider="cloud", model=model, key_owner=key[0], key_last4=key[1]
    )
    finished = timezone.now() - timedelta(days=days_ago)
    type(job).objects.filter(pk=job.pk).update(finished_at=finished)
    Transcript.objects.filter(job=job).update(duration=duration)
    return job


@pytest.fixture
def usage_data(owner, teammate, outsider, team):
    cloud_job(team=team, user=owner, duration=600)
    cloud_job(
        team=team, user=teammate, duration=120.5, model="aai/universal", key=("team Acme Research", "7777")
    )
    cloud_job(team=team, user=teammate, duration=30, days_ago=45)
    make_completed_job(
        team=team, user=owner, provider="local", model="local/whisper-tiny.en"
    )  # free: not counted
    make_job(team=team, user=owner, provider="cloud", state=JobState.FAILED)  # not completed: not counted
    elsewhere = create_team(user=outsider, name="Outsiders Inc")
    cloud_job(team=elsewhere, user=outsider, duration=9999, key=("oscar", "9999"))


def labels(rows):
    return {row.label: (row.jobs, row.seconds) for row in rows}


def test_usage_per_user_team_model_and_key(usage_data, owner):
    report = usage_report(viewer=owner, period="30d")
    assert (report.total_jobs, report.total_seconds) == (2, 720.5)
    assert labels(report.by_user) == {"olivia": (1, 600), "tomas": (1, 120.5)}
    assert labels(report.by_team) == {"Acme Research": (2, 720.5)}
    assert labels(report.by_model) == {
        "Nova-2 General": (1, 600),
        "Universal": (1, 120.5),
    }
    assert {(row.label, row.detail) for row in report.by_key} == {
        ("olivia", "••••AbCd"),
        ("team Acme Research", "••••7777"),
    }
    assert report.by_user[0].label == "olivia"  # largest first


def test_the_period_filter(usage_data, owner):
    assert usage_report(viewer=owner, period="90d").total_seconds == 750.5
    assert usage_report(viewer=owner, period="all").total_jobs == 3
    assert usage_report(viewer=owner, period="7d").total_jobs == 2


def test_nobody_sees_usage_of_teams_they_are_not_in(usage_data, owner, outsider, team):
    assert usage_report(viewer=outsider, period="all").total_seconds == 9999
    assert usage_report(viewer=outsider, period="all", team=team).total_jobs == 0
    assert "oscar" not in labels(usage_report(viewer=owner, period="all").by_user)


def test_the_usage_page(usage_data, owner_client):
    html = owner_client.get(reverse("usage")).content.decode()
    assert "12 min 01 s" in html and "Acme Research" in html and "••••7777" in html
    assert "oscar" not in html and "9999" not in html


def test_the_total_is_shown_once_as_a_duration(usage_data, owner_client):
    html = owner_client.get(reverse("usage")).content.decode()
    totals = html.split('class="facts usage-totals"')[1].split("</dl>")[0]
    assert re.findall(r"<dt>([^<]+)</dt>", totals) == ["Audio transcribed", "Completed jobs"]
    assert 'data-testid="total-duration" title="720.5 seconds">12 min 01 s</dd>' in totals
    assert "<dd>2</dd>" in totals


def test_the_page_ignores_a_team_the_viewer_is_not_in(usage_data, client, outsider, team):
    client.force_login(outsider)
    html = client.get(reverse("usage"), {"team": team.pk, "period": "all"}).content.decode()
    assert "Acme Research" not in html and "olivia" not in html


def test_an_empty_report(owner_client):
    html = " ".join(owner_client.get(reverse("usage"), {"period": "bogus"}).content.decode().split())
    assert "No completed cloud jobs in the last 30 days" in html
    assert 'href="?period=all">Show all time</a>' in html
    assert f'href="{reverse("transcribe")}">Transcribe a recording</a>' in html
    assert "total-duration" not in html and "0 s" not in html and "Completed jobs" not in html


def test_an_empty_report_of_all_time_for_one_team(owner_client, team):
    html = " ".join(
        owner_client.get(reverse("usage"), {"period": "all", "team": team.pk}).content.decode().split()
    )
    assert "No completed cloud jobs yet" in html and "Once cloud jobs finish" in html
    assert "in <strong>Acme Research</strong>" in html  # the report says whose it is
    assert "Show all time" not in html


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0 s"),
        (0.2, "< 1 s"),
        (12.4, "12 s"),
        (12.5, "13 s"),
        (59.6, "1 min 00 s"),
        (95, "1 min 35 s"),
        (3599.6, "1 h 00 min"),
        (3725.4, "1 h 02 min"),
        (3770.6, "1 h 03 min"),
        (90061, "25 h 01 min"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
