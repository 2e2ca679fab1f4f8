"""Share links: made by those the table allows, opened by anyone with the link, leaking nothing.

The token is 192 random bits and only its digest is stored; a link can expire, carry a password
(throttled), and include the audio and downloads or not; every opening is recorded.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from transcripts.models import Membership, Role, ShareAccess, ShareLink
from transcripts.services import sharing

from .test_transcript_workspace import make_transcribed

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(team, owner):
    job = make_transcribed(team, owner, title="Board meeting", original_filename="board.flac")
    job.audio.save("board.flac", ContentFile(bytes(range(256)) * 4))
    return job


def make_link(job, by, **kwargs):
    kwargs.setdefault("expires_at", timezone.now() + timedelta(days=7))
    return sharing.create_share_link(job=job, by=by, **kwargs)


def test_the_token_is_long_random_and_only_its_digest_is_stored(job, owner):
    link, token = make_link(job, owner)
    assert len(token) >= 32 and token not in str(ShareLink.objects.filter(pk=link.pk).values().get())
    assert link.digest == sharing.digest_of(token) and link.prefix == token[:6]
    _, other_token = make_link(job, owner)
    assert other_token != token


def test_a_visitor_sees_only_the_transcript_with_no_way_into_the_app(job, owner):
    _, token = make_link(job, owner)
    Client().get(f"/s/{token}/")
    response = Client().get(f"/s/{token}/", {"t": "1.1"})
    html = response.content.decode()
    assert response.status_code == 200 and "Board meeting" in html and "your country." in html
    assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "/transcripts/" not in html and "/settings/" not in html and "Log out" not in html
    assert 'data-start="1.10"' in html and "Edit" not in html
    link = ShareLink.objects.get()
    assert link.use_count == 2 and ShareAccess.objects.filter(outcome="opened").count() == 2
    assert ShareAccess.objects.filter(ip_address__isnull=False).count() == 0  # no address unless turned on


def test_audio_plays_with_ranges_and_downloads_work_when_included(job, owner):
    _, token = make_link(job, owner)
    visitor = Client()
    audio = visitor.get(f"/s/{token}/audio/", HTTP_RANGE="bytes=0-9")
    assert audio.status_code == 206 and audio["Content-Range"] == "bytes 0-9/1024"
    srt = visitor.get(f"/s/{token}/export/", {"format": "srt"})
    assert srt.status_code == 200 and "your country." in srt.content.decode()
    assert visitor.get(f"/s/{token}/export/", {"format": "raw"}).status_code == 404


def test_a_link_without_audio_or_downloads_keeps_them(job, owner):
    _, token = make_link(job, owner, include_audio=False, include_downloads=False)
    visitor = Client()
    html = visitor.get(f"/s/{token}/").content.decode()
    assert "<audio" not in html and "Download" not in html
    assert visitor.get(f"/s/{token}/audio/").status_code == 404
    assert visitor.get(f"/s/{token}/export/", {"format": "txt"}).status_code == 404


@pytest.mark.parametrize("state, status, words", [("expired", 410, "expired"), ("revoked", 410, "revoked")])
def test_a_dead_link_says_so_without_the_title(job, owner, state, status, words):
    link, token = make_link(job, owner)
    if state == "expired":
        ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        sharing.revoke_share_link(link=link, by=owner)
    visitor = Client()
    response = visitor.get(f"/s/{token}/")
    html = response.content.decode()
    assert response.status_code == status and words in html and "Board meeting" not in html
    assert visitor.get(f"/s/{token}/audio/").status_code == 404
    assert visitor.get(f"/s/{token}/export/", {"format": "txt"}).status_code == 404


def test_an_unknown_token_is_a_plain_404(db):
    response = Client().get("/s/not-a-real-token-at-all/")
    assert response.status_code == 404 and "does not open anything" in response.content.decode()


def test_a_password_protected_link(job, owner):
    _, token = make_link(job, owner, password="correct horse")
    visitor = Client()
    asked = visitor.get(f"/s/{token}/")
    assert asked.status_code == 200 and "protected" in asked.content.decode()
    assert "Board meeting" not in asked.content.decode()
    assert visitor.get(f"/s/{token}/audio/").status_code == 404
    wrong = visitor.post(f"/s/{token}/", {"password": "battery staple"})
    assert wrong.status_code == 401 and "not right" in wrong.content.decode()
    right = visitor.post(f"/s/{token}/", {"password": "correct horse"}, follow=True)
    assert right.status_code == 200 and "Board meeting" in right.content.decode()
    assert visitor.get(f"/s/{token}/audio/").status_code == 200
    outcomes = list(ShareAccess.objects.order_by("at").values_list("outcome", flat=True))
    assert outcomes == ["wrong_password", "opened"]


def test_wrong_passwords_are_throttled(job, owner):
    _, token = make_link(job, owner, password="correct horse")
    visitor = Client()
    for _ in range(sharing.PASSWORD_ATTEMPTS):
        assert visitor.post(f"/s/{token}/", {"password": "guess"}).status_code == 401
    blocked = visitor.post(f"/s/{token}/", {"password": "correct horse"})
    assert blocked.status_code == 429 and "Too many" in blocked.content.decode()


def test_making_and_revoking_follow_the_table(client, job, owner, teammate, team):
    client.force_login(teammate)  # a member: may read, not share
    assert client.post(reverse("job_shares", args=[job.pk]), {"expires": "7d"}).status_code == 403
    client.force_login(owner)
    made = client.post(
        reverse("job_shares", args=[job.pk]), {"expires": "7d", "label": "Client", "include_audio": "on"}
    )
    html = made.content.decode()
    assert made.status_code == 200 and "/s/" in html and "Copy it now" in html
    link = ShareLink.objects.get()
    assert link.label == "Client" and link.include_audio and not link.include_downloads
    assert link.expires_at - timezone.now() > timedelta(days=6)
    client.force_login(teammate)
    assert client.post(reverse("share_revoke", args=[job.pk, link.pk])).status_code == 403
    Membership.objects.filter(team=team, user=teammate).update(role=Role.ADMIN)
    assert client.post(reverse("share_revoke", args=[job.pk, link.pk])).status_code == 302
    assert not ShareLink.objects.get().is_live


@pytest.mark.parametrize(
    "data, message",
    [({"expires": "date", "expires_on": "2001-01-01"}, "future"), ({"expires": "soon"}, "expires")],
)
def test_a_bad_expiry_is_refused_plainly(client, job, owner, data, message):
    client.force_login(owner)
    response = client.post(reverse("job_shares", args=[job.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ShareLink.objects.exists()


def test_admins_see_every_live_link_of_their_team_and_revoke_any(client, job, owner, teammate, team):
    link, _ = make_link(job, owner, label="For the auditors")
    client.force_login(teammate)
    assert client.get(reverse("team_shares", args=[team.pk])).status_code == 403
    client.force_login(owner)
    page = client.get(reverse("team_shares", args=[team.pk])).content.decode()
    assert "For the auditors" in page and "Board meeting" in page
    client.post(reverse("team_shares", args=[team.pk]), {"link": link.pk})
    assert not ShareLink.objects.get().is_live


def test_the_addresses_are_recorded_only_when_the_operator_says_so(job, owner, settings):
    settings.STT_SHARE_LOG_IP = True
    _, token = make_link(job, owner)
    Client(REMOTE_ADDR="203.0.113.9").get(f"/s/{token}/")
    assert ShareAccess.objects.get().ip_address == "203.0.113.9"
