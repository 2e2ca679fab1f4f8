"""Job pages: who may see what, the Transcribe form, cancel and retry."""

from pathlib import Path

import pytest
from django.urls import reverse

from transcripts.models import Job, JobState

from .factories import make_completed_job, make_job

pytestmark = pytest.mark.django_db
AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"


@pytest.fixture
def job(team, owner):
    return make_completed_job(team=team, user=owner)


@pytest.mark.parametrize("name", ["job_detail", "job_status", "job_audio"])
def test_an_outsider_gets_404_on_every_job_page(outsider_client, job, name):
    assert outsider_client.get(reverse(name, args=[job.pk])).status_code == 404


@pytest.mark.parametrize("name", ["job_cancel", "job_retry"])
def test_an_outsider_cannot_act_on_a_job(outsider_client, team, owner, name):
    active = make_job(team=team, user=owner, state=JobState.FAILED)
    assert outsider_client.post(reverse(name, args=[active.pk])).status_code == 404
    active.refresh_from_db()
    assert active.state == JobState.FAILED


def test_a_teammate_sees_the_transcript(teammate_client, job):
    response = teammate_client.get(reverse("job_detail", args=[job.pk]))
    assert response.status_code == 200
    assert "Ask not what your country can do for you." in response.content.decode()


def test_the_list_shows_only_jobs_of_my_teams(outsider_client, outsider, job):
    from transcripts.services.teams import current_team_for

    mine = make_job(team=current_team_for(outsider), user=outsider, title="Outsider memo")
    page = outsider_client.get(reverse("job_list")).content.decode()
    assert mine.title in page and job.title not in page


def test_cancel_from_the_page(owner_client, team, owner):
    active = make_job(team=team, user=owner, state=JobState.PROCESSING)
    response = owner_client.post(reverse("job_cancel", args=[active.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "job-changed" in response.headers["HX-Trigger"]
    active.refresh_from_db()
    assert active.state == JobState.CANCELLED


def test_status_fragment_stops_polling_when_final(owner_client, job):
    html = owner_client.get(reverse("job_status", args=[job.pk]), {"was": "active"}, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every' not in html.content.decode()
    assert "job-finished" in html.headers["HX-Trigger"]


def test_audio_is_never_served_as_html(owner_client, team, owner, settings):
    from django.core.files.base import ContentFile

    job = make_completed_job(team=team, user=owner, source=Job.Source.UPLOAD, original_filename="evil.html")
    job.audio.save("evil.html", ContentFile(b"<script>alert(1)</script>"))
    response = owner_client.get(reverse("job_audio", args=[job.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_transcribe_page_preselects_the_local_engine_without_a_key(owner_client):
    response = owner_client.get(reverse("transcribe"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.spec is not None and form.spec.provider == "local"
    assert form["model"].value() == form.spec.id  # the select shows the model whose options are shown


def test_transcribe_form_submits_a_local_job(owner_client, owner):
    from transcripts.services.teams import current_team_for

    with (AUDIO / "jfk.flac").open("rb") as audio:
        response = owner_client.post(
            reverse("transcribe"), {"model": "local/whisper-tiny.en", "audio": audio, "title": "JFK"}
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.team == current_team_for(owner) and job.title == "JFK"


def test_transcribe_form_shows_errors_and_creates_nothing(owner_client):
    response = owner_client.post(reverse("transcribe"), {"model": "local/whisper-tiny.en"})
    assert response.status_code == 200
    assert "one of the two" in response.content.decode()
    assert not Job.objects.exists()


def test_options_fragment_for_a_model(owner_client):
    response = owner_client.get(
        reverse("transcribe_options"), {"model": "local/whisper-base"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="model-options"' in response.content.decode()
    assert owner_client.get(reverse("transcribe_options"), {"model": "bogus"}).status_code == 404


# --- Reading a page writes nothing; a status poll is cheap --------------------------------------


def test_a_status_poll_costs_at_most_three_queries(owner_client, team, owner, django_assert_max_num_queries):
    active = make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.4)
    owner_client.get(reverse("dashboard"))  # the session exists, as for a person with the page open
    with django_assert_max_num_queries(3):
        response = owner_client.get(reverse("job_status", args=[active.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "data-live-active" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["dashboard", "transcribe", "job_list", "job_detail", "job_status", "team_list"]
)
def test_reading_a_page_writes_nothing(client, owner, team, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transcripts.models import Profile

    Profile.objects.filter(user=owner).delete()  # even with no profile (made before sign-up did it)
    job = make_completed_job(team=team, user=owner)
    client.force_login(owner)
    args = [job.pk] if name in ("job_detail", "job_status") else []
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert writes == []


# --- Audio that seeks everywhere: HTTP Range --------------------------------------------------


@pytest.fixture
def with_audio(team, owner):
    from django.core.files.base import ContentFile

    job = make_completed_job(team=team, user=owner, original_filename="talk.flac")
    job.audio.save("talk.flac", ContentFile(bytes(range(256)) * 4))  # 1,024 bytes
    return job


def test_a_range_request_gets_206_with_that_slice(owner_client, with_audio):
    url = reverse("job_audio", args=[with_audio.pk])
    response = owner_client.get(url, HTTP_RANGE="bytes=100-199")
    body = b"".join(response.streaming_content)
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 100-199/1024" and response["Content-Length"] == "100"
    assert body == (bytes(range(256)) * 4)[100:200] and response["Accept-Ranges"] == "bytes"
    tail = owner_client.get(url, HTTP_RANGE="bytes=-24")
    assert tail["Content-Range"] == "bytes 1000-1023/1024" and len(b"".join(tail.streaming_content)) == 24
    open_ended = owner_client.get(url, HTTP_RANGE="bytes=1000-")
    assert open_ended["Content-Range"] == "bytes 1000-1023/1024"


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=300-200", "bytes=-0"])
def test_an_unsatisfiable_range_is_416(owner_client, with_audio, header):
    response = owner_client.get(reverse("job_audio", args=[with_audio.pk]), HTTP_RANGE=header)
    assert response.status_code == 416 and response["Content-Range"] == "bytes */1024"


def test_no_range_or_a_foreign_unit_sends_the_whole_file(owner_client, with_audio):
    for headers in ({}, {"HTTP_RANGE": "items=0-1"}, {"HTTP_RANGE": "bytes=0-1,5-6"}):
        response = owner_client.get(reverse("job_audio", args=[with_audio.pk]), **headers)
        assert response.status_code == 200 and len(b"".join(response.streaming_content)) == 1024
        assert response["Accept-Ranges"] == "bytes" and response["Content-Type"] == "audio/flac"


def test_the_status_card_says_how_long_it_took_so_far_and_about_how_long_is_left(owner_client, team, owner):
    from datetime import timedelta

    from django.utils import timezone

    started = timezone.now() - timedelta(seconds=65)
    active = make_job(team=team, user=owner, state=JobState.PROCESSING, progress=0.5, started_at=started)
    html = owner_client.get(reverse("job_status", args=[active.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "1 min 05 s elapsed · about 2 min left" in html
