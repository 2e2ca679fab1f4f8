"""Shared test base: named users (owner, teammate, outsider) and their teams."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from transcripts.models import Membership, Role, Team
from transcripts.services.teams import create_team

PASSWORD = "correct-horse-battery-staple-42"


def pytest_report_header(config) -> list[str]:
    database = django_settings.DATABASES["default"]
    broker = "redis" if django_settings.REDIS_URL else "orm"
    return [
        f"backends: database={django_settings.DB_VENDOR} ({database['ENGINE'].rsplit('.', 1)[-1]}), "
        f"django-q2 broker={broker}, queue={django_settings.Q_QUEUE_NAME}"
    ]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded audio of each test lands in its own directory (and the cluster it starts sees it)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_user(username: str):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD
    )


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def owner(db):
    return make_user("olivia")


@pytest.fixture
def teammate(db):
    return make_user("tomas")


@pytest.fixture
def outsider(db):
    return make_user("oscar")


@pytest.fixture
def team(owner, teammate) -> Team:
    """A shared team: owner is its owner, teammate a member, outsider not in it."""
    team = create_team(user=owner, name="Acme Research")
    Membership.objects.create(team=team, user=teammate, role=Role.MEMBER)
    return team


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def teammate_client(client, teammate):
    client.force_login(teammate)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client
