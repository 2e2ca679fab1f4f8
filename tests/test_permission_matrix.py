"""The permission matrix: every URL that takes an object id, for every kind of visitor.

Visitors: the job's creator (a member), the team's owner, an admin, another member, a viewer, an
outsider, a signed-out visitor — and for share links: a live, expired, revoked, password-locked
and unknown link. Each cell is the exact status. A URL with an object id that is not listed here
fails ``test_every_object_url_is_in_the_matrix``, so a new one cannot ship unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from transcripts.models import Invitation, Membership, Role, ShareLink, Team, TranscriptEdit, Visibility
from transcripts.services import sharing
from transcripts.services import teams as team_service
from transcripts.services.transcript_edits import correct_segment

from .conftest import make_user
from .test_transcript_workspace import make_transcribed

pytestmark = pytest.mark.django_db

PEOPLE = ("creator", "owner", "admin", "member", "viewer", "outsider", "anonymous")
LINKS = ("live", "expired", "revoked", "locked", "unknown")
# URLs with an object id that are checked elsewhere, with where.
ELSEWHERE = {
    "password_reset_confirm": "Django's signed reset token (tests/test_accounts.py)",
    "invitation_accept": "the invitation token's rules (tests/test_teams.py)",
    "api_stt_get": "token auth through visible_to (tests/test_compat_api.py)",
}


@dataclass
class World:
    team: Team
    job: object
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    edit: TranscriptEdit | None = None
    link: ShareLink | None = None
    invitation: Invitation | None = None
    member_row: Membership | None = None


@pytest.fixture
def world(owner) -> World:
    team = team_service.create_team(user=owner, name="Acme Research")
    users = {"owner": owner}
    for name, role in (
        ("creator", Role.MEMBER),
        ("admin", Role.ADMIN),
        ("member", Role.MEMBER),
        ("viewer", Role.VIEWER),
    ):
        users[name] = make_user(f"{name}-user")
        Membership.objects.create(team=team, user=users[name], role=role)
    users["outsider"] = make_user("outsider-user")
    job = make_transcribed(team, users["creator"], title="Quarterly review", original_filename="q.flac")
    job.audio.save("q.flac", ContentFile(b"0123456789" * 10))
    edit = correct_segment(transcript=job.transcript, index=0, text="Ask now", by=users["creator"])
    link, _ = sharing.create_share_link(job=job, by=users["creator"], expires_at=None)
    tokens = {}
    for state in ("live", "expired", "revoked", "locked"):
        made, tokens[state] = sharing.create_share_link(
            job=job, by=users["creator"], expires_at=None, password="sesame" if state == "locked" else ""
        )
        if state == "expired":
            ShareLink.objects.filter(pk=made.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        if state == "revoked":
            sharing.revoke_share_link(link=made, by=users["creator"])
    tokens["unknown"] = "this-token-was-never-made-0000000000"
    invitation = team_service.invite(team=team, by=owner, email="new@example.com")
    member_row = Membership.objects.get(team=team, user=users["member"])
    return World(team, job, users, tokens, edit, link, invitation, member_row)


def request_as(who: str, world: World) -> Client:
    client = Client()
    if who in world.users:
        client.force_login(world.users[who])
    return client


# Expected statuses, in the order of PEOPLE.
READ = (200, 200, 200, 200, 200, 404, 302)
WRITE = (302, 302, 302, 302, 403, 404, 302)  # edit text and speakers, rename
MANAGE = (302, 302, 302, 403, 403, 404, 302)  # run, move, delete, share
MANAGE_PAGE = (200, 200, 200, 403, 403, 404, 302)
CREATOR_ONLY = (302, 403, 403, 403, 403, 404, 302)
TEAM_READ = (200, 200, 200, 200, 200, 404, 302)
TEAM_ACTION = (302, 302, 302, 302, 302, 404, 302)  # the service refuses with a message on the page
TEAM_MANAGERS_PAGE = (403, 200, 200, 403, 403, 404, 302)

JOB = lambda w: [w.job.pk]  # noqa: E731
TEAM = lambda w: [w.team.pk]  # noqa: E731

MATRIX = {
    "job_detail": ("get", JOB, {}, READ),
    "job_status": ("get", JOB, {}, READ),
    "job_audio": ("get", JOB, {}, READ),
    "transcript_segments": ("get", JOB, {}, READ),
    "transcript_segment": ("post", lambda w: [w.job.pk, 1], {"text": "Corrected."}, WRITE),
    "transcript_history": ("get", JOB, {}, READ),
    "transcript_undo": ("post", lambda w: [w.job.pk, w.edit.pk], {}, WRITE),
    "transcript_speakers": ("post", JOB, {"speaker": "0", "name": "Ada"}, WRITE),
    "transcript_export": ("get", JOB, {"format": "srt"}, READ),
    "job_rename": ("post", JOB, {"title": "Renamed"}, WRITE),
    "job_cancel": ("post", JOB, {}, MANAGE),
    "job_retry": ("post", JOB, {}, MANAGE),
    "job_delete": ("get", JOB, {}, MANAGE_PAGE),
    "job_move": ("post", JOB, {"team": "personal"}, MANAGE),
    "job_visibility": ("post", JOB, {"visibility": Visibility.PRIVATE}, CREATOR_ONLY),
    "job_shares": ("post", JOB, {"expires": "7d"}, (200, 200, 200, 403, 403, 404, 302)),
    "share_revoke": ("post", lambda w: [w.job.pk, w.link.pk], {}, MANAGE),
    "team_detail": ("get", TEAM, {}, TEAM_READ),
    "team_invite": ("post", TEAM, {"email": "x@example.com", "role": "member"}, TEAM_ACTION),
    "team_invitations": ("get", TEAM, {}, TEAM_MANAGERS_PAGE),
    "team_member_count": ("get", TEAM, {}, TEAM_READ),
    "invitation_revoke": ("post", lambda w: [w.team.pk, w.invitation.pk], {}, TEAM_ACTION),
    "member_role": ("post", lambda w: [w.team.pk, w.member_row.pk], {"role": "viewer"}, TEAM_ACTION),
    "member_remove": ("post", lambda w: [w.team.pk, w.member_row.pk], {}, TEAM_ACTION),
    "team_leave": ("post", TEAM, {}, TEAM_ACTION),
    "team_switch": ("post", TEAM, {}, TEAM_ACTION),
    "team_settings": ("get", TEAM, {}, TEAM_READ),
    "team_delete": ("post", TEAM, {"confirm_name": "Acme Research"}, TEAM_ACTION),
    "team_shares": ("get", TEAM, {}, TEAM_MANAGERS_PAGE),
}
# Share links, in the order of LINKS: live, expired, revoked, locked (no password yet), unknown.
SHARE_MATRIX = {
    "share_page": ("get", {}, (200, 410, 410, 200, 404)),
    "share_audio": ("get", {}, (200, 404, 404, 404, 404)),
    "share_export": ("get", {"format": "txt"}, (200, 404, 404, 404, 404)),
}


def object_url_names() -> set[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name

    return {
        name
        for route, name in walk(get_resolver().url_patterns)
        if "<" in route and not route.startswith("admin/")
    }


def test_every_object_url_is_in_the_matrix():
    listed = set(MATRIX) | set(SHARE_MATRIX) | set(ELSEWHERE)
    assert object_url_names() == listed


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_matrix(world, name, who):
    method, args, data, expected = MATRIX[name]
    if data.get("team") == "personal":
        mine = world.users.get(who)
        data = {"team": mine.teams.get(personal=True).pk if mine else 0}
    response = getattr(request_as(who, world), method)(reverse(name, args=args(world)), data)
    assert response.status_code == expected[PEOPLE.index(who)], (name, who, response.content[:300])
    if response.status_code == 302 and who == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("state", LINKS)
@pytest.mark.parametrize("name", sorted(SHARE_MATRIX))
def test_the_share_matrix(world, name, state):
    method, data, expected = SHARE_MATRIX[name]
    response = getattr(Client(), method)(reverse(name, args=[world.tokens[state]]), data)
    assert response.status_code == expected[LINKS.index(state)], (name, state)
    if state != "live":
        assert b"Quarterly review" not in b"".join(getattr(response, "streaming_content", [response.content]))


@pytest.mark.parametrize("who", ["owner", "admin", "member", "viewer"])
def test_a_private_transcript_is_a_404_for_everyone_but_its_creator(world, who):
    type(world.job).objects.filter(pk=world.job.pk).update(visibility=Visibility.PRIVATE)
    for name in ("job_detail", "job_audio", "transcript_export", "transcript_segments"):
        assert request_as(who, world).get(reverse(name, args=[world.job.pk])).status_code == 404
    assert request_as("creator", world).get(reverse("job_detail", args=[world.job.pk])).status_code == 200


def test_a_wrong_password_is_refused_and_the_right_one_opens(world):
    visitor = Client()
    url = reverse("share_page", args=[world.tokens["locked"]])
    assert visitor.post(url, {"password": "open up"}).status_code == 401
    assert visitor.post(url, {"password": "sesame"}).status_code == 302
    assert visitor.get(reverse("share_audio", args=[world.tokens["locked"]])).status_code == 200
