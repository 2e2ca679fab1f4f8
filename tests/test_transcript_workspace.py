"""The transcript workspace: reading along, correcting, naming speakers, history, job actions.

Every object view answers 404 to someone outside the job's team, GET and POST alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from transcripts.models import Job, JobState, Transcript, TranscriptEdit

from .factories import make_job

pytestmark = pytest.mark.django_db

WORDS = [
    ("Ask", 0.0, 0.3, "0"), ("not", 0.3, 0.6, "0"), ("what", 0.6, 0.9, "0"),
    ("your", 1.0, 1.2, "1"), ("country.", 1.2, 1.8, "1"),
]  # fmt: skip


def make_transcribed(team, user, **fields) -> Job:
    job = make_job(team=team, user=user, state=JobState.COMPLETED, **fields)
    Transcript.objects.create(
        job=job,
        text="Ask not what your country.",
        language="en",
        duration=2.0,
        segments=[
            {"start": 0.0, "end": 0.9, "text": "Ask not what", "speaker": "0", "channel": 0},
            {"start": 1.0, "end": 1.8, "text": "your country.", "speaker": "1", "channel": 0},
        ],
        words=[
            {"text": t, "start": s, "end": e, "confidence": 0.9, "speaker": sp, "channel": 0}
            for t, s, e, sp in WORDS
        ],
        raw={"model": "output"},
        insights={"summary": "A famous line.", "topics": [{"label": "Civic duty", "start": 0.0}]},
    )
    return job


@pytest.fixture
def job(team, owner):
    return make_transcribed(team, owner)


def htmx(client, method: str, url: str, data=None):
    return getattr(client, method)(url, data or {}, HTTP_HX_REQUEST="true")


# --- Reading -----------------------------------------------------------------------------------


def test_the_page_has_words_to_click_speakers_and_insights(owner_client, job):
    html = owner_client.get(job.get_absolute_url()).content.decode()
    assert 'class="w" data-start="1.20" data-end="1.80">country.</span>' in html
    assert 'data-seek="1.00"' in html and "Speaker 0" in html and "Speaker 1" in html
    assert "A famous line." in html and "Civic duty" in html
    assert "js/player.js" in html


def test_a_moment_link_opens_the_player_there(owner_client, job):
    html = owner_client.get(job.get_absolute_url(), {"t": "1.1"}).content.decode()
    assert 'data-start="1.10"' in html
    assert 'id="segment-1" class="segment is-playing"' in html
    assert owner_client.get(job.get_absolute_url(), {"t": "soon"}).status_code == 200


@pytest.mark.parametrize(
    "name, method",
    [
        ("transcript_segments", "get"),
        ("transcript_history", "get"),
        ("transcript_speakers", "get"),
        ("transcript_speakers", "post"),
        ("transcript_export", "get"),
        ("job_rename", "post"),
        ("job_delete", "get"),
        ("job_delete", "post"),
        ("job_move", "post"),
    ],
)
def test_an_outsider_gets_404_everywhere(outsider_client, job, name, method):
    response = getattr(outsider_client, method)(reverse(name, args=[job.pk]), {"speaker": "0", "name": "X"})
    assert response.status_code == 404
    assert Job.objects.filter(pk=job.pk).exists()


def test_an_outsider_cannot_correct_or_undo(outsider_client, owner, job):
    from transcripts.services.transcript_edits import correct_segment

    edit = correct_segment(transcript=job.transcript, index=0, text="Ask now", by=owner)
    url = reverse("transcript_segment", args=[job.pk, 0])
    assert outsider_client.post(url, {"text": "hacked"}).status_code == 404
    assert outsider_client.post(reverse("transcript_undo", args=[job.pk, edit.pk])).status_code == 404
    assert Transcript.objects.get(pk=job.pk).segments[0]["text"] == "Ask now"


# --- Correcting ----------------------------------------------------------------------------------


def test_correct_a_segment_keep_its_timing_then_undo(teammate_client, teammate, job):
    url = reverse("transcript_segment", args=[job.pk, 0])
    form = htmx(teammate_client, "get", url + "?edit=1").content.decode()
    assert "<textarea" in form and "Ask not what" in form

    response = htmx(teammate_client, "post", url, {"text": "  Ask   not, what "})
    assert response.status_code == 200 and "transcript-edited" in response.headers["HX-Trigger"]
    transcript = Transcript.objects.get(pk=job.pk)
    assert transcript.segments[0] == {
        "start": 0.0, "end": 0.9, "text": "Ask not, what", "speaker": "0", "channel": 0, "edited": True
    }  # fmt: skip
    assert transcript.text == "Ask not, what your country." and transcript.raw == {"model": "output"}
    edit = TranscriptEdit.objects.get()
    assert (edit.before, edit.after, edit.by) == ("Ask not what", "Ask not, what", teammate)
    assert "Undo" in response.content.decode() and "edited" in response.content.decode()

    undone = htmx(teammate_client, "post", reverse("transcript_undo", args=[job.pk, edit.pk]))
    assert undone.status_code == 200 and ">what</span>" in undone.content.decode()  # words again
    assert Transcript.objects.get(pk=job.pk).segments[0] == {
        "start": 0.0,
        "end": 0.9,
        "text": "Ask not what",
        "speaker": "0",
        "channel": 0,
    }  # fmt: skip  (back to what the model wrote: no longer marked as corrected)
    assert "Undo" not in undone.content.decode()
    history = teammate_client.get(reverse("transcript_history", args=[job.pk])).content.decode()
    assert "undid a change" in history and "corrected" in history and "tomas" in history


def test_an_empty_correction_is_refused_and_changes_nothing(owner_client, job):
    response = htmx(owner_client, "post", reverse("transcript_segment", args=[job.pk, 0]), {"text": "   "})
    assert response.status_code == 422 and "cannot be empty" in response.content.decode()
    assert Transcript.objects.get(pk=job.pk).segments[0]["text"] == "Ask not what"
    assert not TranscriptEdit.objects.exists()
    assert htmx(owner_client, "get", reverse("transcript_segment", args=[job.pk, 9])).status_code == 404


def test_a_renamed_speaker_shows_everywhere_and_can_be_undone(owner_client, job):
    response = htmx(
        owner_client, "post", reverse("transcript_speakers", args=[job.pk]), {"speaker": "1", "name": "JFK"}
    )
    assert response.status_code == 200 and "speakers-changed" in response.headers["HX-Trigger"]
    assert "JFK" in response.content.decode()
    segments = owner_client.get(reverse("transcript_segments", args=[job.pk])).content.decode()
    assert "JFK" in segments and "Speaker 1" not in segments
    export = owner_client.get(reverse("transcript_export", args=[job.pk]), {"format": "txt"}).content.decode()
    assert "JFK: your country." in export

    edit = TranscriptEdit.objects.get(kind="speaker")
    undone = htmx(owner_client, "post", reverse("transcript_undo", args=[job.pk, edit.pk]))
    assert "speakers-changed" in undone.headers["HX-Trigger"]
    assert Transcript.objects.get(pk=job.pk).speaker_names == {}


def test_a_transcript_without_speaker_labels_is_one_nameable_speaker(owner_client, team, owner):
    job = make_transcribed(team, owner)
    Transcript.objects.filter(pk=job.pk).update(
        segments=[
            {"start": 0.0, "end": 1.8, "text": "Ask not what your country.", "speaker": None, "channel": 0}
        ]
    )
    assert "Speaker 0" in owner_client.get(job.get_absolute_url()).content.decode()
    owner_client.post(
        reverse("transcript_speakers", args=[job.pk]), {"speaker": "0", "name": "President Kennedy"}
    )
    assert "President Kennedy" in owner_client.get(job.get_absolute_url()).content.decode()


def test_per_channel_segments_name_the_channel_once(owner_client, team, owner):
    job = make_transcribed(team, owner)
    Transcript.objects.filter(pk=job.pk).update(
        channels=2,
        segments=[
            {"start": 0.0, "end": 0.9, "text": "Hello.", "speaker": "Channel 1", "channel": 0},
            {"start": 1.0, "end": 1.8, "text": "Hi.", "speaker": "Channel 2", "channel": 1},
        ],
    )
    html = owner_client.get(job.get_absolute_url()).content.decode()
    assert "Channel 1" in html and "Speaker Channel" not in html and "Channel 1 Channel 1" not in html


# --- Job actions -------------------------------------------------------------------------------


def test_rename_the_title_inline(owner_client, job):
    url = reverse("job_rename", args=[job.pk])
    assert 'name="title"' in htmx(owner_client, "get", url).content.decode()
    response = htmx(owner_client, "post", url, {"title": "  Inaugural   address "})
    assert response.status_code == 200 and "Inaugural address" in response.content.decode()
    assert Job.objects.get(pk=job.pk).title == "Inaugural address"
    refused = htmx(owner_client, "post", url, {"title": "  "})
    assert refused.status_code == 422 and Job.objects.get(pk=job.pk).title == "Inaugural address"


def test_delete_asks_first_then_removes_the_job_and_its_audio(
    owner_client, job, media_root, django_capture_on_commit_callbacks
):
    job.audio.save("jfk.flac", ContentFile(b"fLaC-bytes"))
    path = job.audio.path
    page = owner_client.get(reverse("job_delete", args=[job.pk])).content.decode()
    assert "cannot be undone" in page and Job.objects.filter(pk=job.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("job_delete", args=[job.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("job_list")
    assert "Deleted" in response.content.decode()
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not Path(path).exists()


def test_a_member_cannot_delete_or_move_a_teammates_job(teammate_client, job, teammate):
    response = teammate_client.post(reverse("job_delete", args=[job.pk]), follow=True)
    assert "Only the person who made it" in response.content.decode()
    assert Job.objects.filter(pk=job.pk).exists()
    own_team = teammate.teams.get(personal=True)
    teammate_client.post(reverse("job_move", args=[job.pk]), {"team": own_team.pk})
    assert Job.objects.get(pk=job.pk).team_id == job.team_id


def test_move_to_another_of_my_teams(owner_client, owner, job, outsider):
    personal = owner.teams.get(personal=True)
    response = owner_client.post(reverse("job_move", args=[job.pk]), {"team": personal.pk}, follow=True)
    assert "Moved to" in response.content.decode()
    assert Job.objects.get(pk=job.pk).team == personal
    not_mine = outsider.teams.get(personal=True)
    response = owner_client.post(reverse("job_move", args=[job.pk]), {"team": not_mine.pk}, follow=True)
    assert "Choose one of your teams" in response.content.decode()
    assert Job.objects.get(pk=job.pk).team == personal


# --- Messages from htmx actions arrive --------------------------------------------------------


def test_a_message_from_an_htmx_action_arrives_out_of_band(owner_client, team, owner):
    failed = make_job(team=team, user=owner, state=JobState.FAILED)
    response = htmx(owner_client, "post", reverse("job_retry", args=[failed.pk]))
    html = response.content.decode()
    assert 'id="messages"' in html and 'hx-swap-oob="beforeend"' in html and "Queued again." in html
    # It was delivered, so the next page does not show it a second time.
    assert "Queued again." not in owner_client.get(reverse("dashboard")).content.decode()
