"""Team settings: rename (owners), who sees new transcripts (owners and admins), deletion
(owners, told first what goes), unique names in each person's list, and the viewer role."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from transcripts.models import Job, Membership, Role, Team, Visibility
from transcripts.services import teams as team_service
from transcripts.services.submission import SubmissionError, submit_job
from transcripts.services.teams import TeamError

from .test_transcript_workspace import make_transcribed

pytestmark = pytest.mark.django_db


def test_names_are_unique_in_each_persons_list(owner, team):
    with pytest.raises(TeamError, match="already has a team called"):
        team_service.create_team(user=owner, name="  acme   research ")
    other = team_service.create_team(user=owner, name="Design")
    with pytest.raises(TeamError):
        team_service.rename_team(team=other, name="ACME Research", by=owner)
    team_service.rename_team(team=other, name="Design guild", by=owner)
    assert Team.objects.get(pk=other.pk).name == "Design guild"


def test_only_owners_rename_and_managers_choose_the_default(client, team, owner, teammate):
    client.force_login(teammate)
    response = client.post(reverse("team_settings", args=[team.pk]), {"name": "Hijacked"})
    assert response.status_code == 400 and "Only the team&#x27;s owners" in response.content.decode()
    assert Team.objects.get(pk=team.pk).name == "Acme Research"
    client.force_login(owner)
    response = client.post(
        reverse("team_settings", args=[team.pk]),
        {"name": "Acme Labs", "default_visibility": "private"},
        follow=True,
    )
    assert "Team settings saved." in response.content.decode()
    team.refresh_from_db()
    assert (team.name, team.default_visibility) == ("Acme Labs", Visibility.PRIVATE)


def test_a_new_transcript_takes_the_teams_default_visibility(team, owner, teammate):
    team.default_visibility = Visibility.PRIVATE
    team.save()
    upload = SimpleUploadedFile("jfk.flac", open_clip(), content_type="audio/flac")
    job = submit_job(user=owner, team=team, model_id="local/whisper-tiny.en", upload=upload)
    assert job.visibility == Visibility.PRIVATE
    assert not Job.objects.visible_to(teammate).filter(pk=job.pk).exists()
    assert Job.objects.visible_to(owner).filter(pk=job.pk).exists()


def test_a_viewer_reads_but_cannot_add_transcripts(team, teammate):
    Membership.objects.filter(team=team, user=teammate).update(role=Role.VIEWER)
    upload = SimpleUploadedFile("jfk.flac", open_clip(), content_type="audio/flac")
    with pytest.raises(SubmissionError, match="viewer"):
        submit_job(user=teammate, team=team, model_id="local/whisper-tiny.en", upload=upload)


def test_deleting_a_team_says_what_goes_and_needs_its_name(client, team, owner, teammate):
    job = make_transcribed(team, owner)
    client.force_login(owner)
    page = client.get(reverse("team_settings", args=[team.pk])).content.decode()
    assert "also deletes its 1 transcript" in page and "2 members" in page
    client.post(reverse("team_delete", args=[team.pk]), {"confirm_name": "acme"})
    assert Team.objects.filter(pk=team.pk).exists()
    client.force_login(teammate)
    client.post(reverse("team_delete", args=[team.pk]), {"confirm_name": "Acme Research"})
    assert Team.objects.filter(pk=team.pk).exists()
    client.force_login(owner)
    response = client.post(
        reverse("team_delete", args=[team.pk]), {"confirm_name": "Acme Research"}, follow=True
    )
    assert "Deleted the team Acme Research" in response.content.decode()
    assert not Team.objects.filter(pk=team.pk).exists() and not Job.objects.filter(pk=job.pk).exists()


def test_a_personal_workspace_cannot_be_deleted(owner):
    personal = owner.teams.get(personal=True)
    with pytest.raises(TeamError, match="personal"):
        team_service.delete_team(team=personal, by=owner, confirm_name=personal.name)


def open_clip() -> bytes:
    from .speech_helpers import AUDIO

    return (AUDIO / "jfk.flac").read_bytes()
