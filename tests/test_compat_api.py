"""The AI/ML-compatible endpoints (/v1/stt/create, /v1/stt/<id>).

In-process tests drive the views with Django's client and run the local engine in this process;
the ``cluster`` tests use real HTTP on both sides: a live server, a real django-q2 cluster, and
clients that poll the way each kind of client does (schema-style, and this project's own cloud
client pointed at this server with one of our tokens as its "AI/ML API key").
"""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from transcripts.models import ApiToken, Job, JobState
from transcripts.services.api_tokens import create_token, revoke_token
from transcripts.services.pipeline import fail_job, run_job
from transcripts.services.submission import submit_job

from .cluster import running_cluster, wait_for
from .speech_helpers import AUDIO, audio_server, references, wer

CREATE = "/v1/stt/create"
VENDOR_ERROR_KEYS = {"message", "path", "requestId", "statusCode", "timestamp"}


def auth(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def secret(owner) -> str:
    return create_token(user=owner, name="script")[1]


@pytest.fixture
def schema_secret(owner) -> str:
    return create_token(user=owner, name="schema client", status_style="schema")[1]


def clip(name: str = "jfk.flac", part: str = "audio"):
    return {part: SimpleUploadedFile("sample.mp3", (AUDIO / name).read_bytes(), content_type="audio/mpeg")}


def create_upload(client, secret: str, *, model: str = "#g1_whisper-tiny", part: str = "audio", **fields):
    return client.post(CREATE, {"model": model, **fields, **clip(part=part)}, **auth(secret))


def get(client, secret: str, generation_id: str):
    return client.get(f"/v1/stt/{generation_id}", **auth(secret))


def assert_vendor_error(response, status: int, *words: str) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == VENDOR_ERROR_KEYS and body["statusCode"] == status
    assert body["path"].startswith("/v1/stt") and uuid.UUID(body["requestId"]) and body["timestamp"]
    for word in words:
        assert word in body["message"], body["message"]
    return body


# --- Authentication ----------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header", [None, "Bearer", "Basic abc:def", "Bearer stt_not-a-real-token-at-all-000000"]
)
def test_missing_or_bad_tokens_get_401_in_the_vendor_body(client, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(CREATE, {"model": "#g1_whisper-tiny", "url": "https://example.com/a.mp3"},
                           content_type="application/json", **headers)  # fmt: skip
    assert_vendor_error(response, 401, "API key")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_vendor_error(client.get(f"/v1/stt/{uuid.uuid4()}", **headers), 401)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_revoked_token_gets_401(client, owner, secret):
    revoke_token(user=owner, token_id=ApiToken.objects.get(user=owner).pk)
    assert_vendor_error(create_upload(client, secret), 401, "revoked")


# --- Creating ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["audio", "file"])
def test_multipart_uploads_create_a_local_job_for_the_token_user(client, owner, secret, part):
    response = create_upload(client, secret, part=part)
    assert response.status_code == 201
    job = Job.objects.get(pk=response.json()["generation_id"])
    assert set(response.json()) == {"generation_id"}
    assert (job.provider, job.model, job.created_by, job.source) == (
        "local",
        "local/whisper-tiny.en",
        owner,
        "upload",
    )
    assert job.api_token.user == owner and job.team.personal
    assert job.audio.size == (AUDIO / "jfk.flac").stat().st_size


MODEL_IDS = {
    "#g1_whisper-base": "local/whisper-base",
    "whisper-tiny": "local/whisper-tiny.en",
    "local/whisper-base": "local/whisper-base",
}


@pytest.mark.django_db
@pytest.mark.parametrize("model, local", MODEL_IDS.items())
def test_vendor_and_local_model_ids_are_understood(client, secret, model, local):
    response = create_upload(client, secret, model=model)
    assert response.status_code == 201
    assert Job.objects.get(pk=response.json()["generation_id"]).model == local


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["#g1_whisper-large", "#g1_nova-2-general", "", "openai/gpt-4o-transcribe"])
def test_other_models_get_400_naming_what_is_offered(client, secret, model):
    body = assert_vendor_error(create_upload(client, secret, model=model), 400, "not offered")
    assert "#g1_whisper-tiny" in body["message"] and "#g1_whisper-base" in body["message"]


@pytest.mark.django_db
def test_a_json_url_job_is_created(client, settings, secret):
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with audio_server() as server:
        response = client.post(CREATE, {"model": "#g1_whisper-tiny", "url": server.url("jfk.flac")},
                               content_type="application/json", **auth(secret))  # fmt: skip
    assert response.status_code == 201
    job = Job.objects.get(pk=response.json()["generation_id"])
    assert (job.source, job.source_url.endswith("/jfk.flac")) == ("url", True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload, words",
    [
        ({"model": "#g1_whisper-tiny"}, "Send a url"),
        ({"model": "#g1_whisper-tiny", "url": "http://127.0.0.1:9/a.mp3"}, "this server itself"),
        ({"model": "#g1_whisper-tiny", "url": "http://10.1.2.3/a.mp3"}, "private network"),
        ({"model": "#g1_whisper-tiny", "url": "ftp://example.com/a.mp3"}, "http"),
        (
            {"model": "#g1_whisper-base", "url": "https://93.184.215.14/a.mp3", "language": "klingon!"},
            "language",
        ),
        ({"model": "#g1_whisper-base", "url": "https://93.184.215.14/a.mp3", "beam_size": 3}, "beam_size"),
        (
            {"model": "#g1_whisper-tiny", "url": "https://93.184.215.14/a.mp3", "language": "de"},
            "English-only",
        ),
    ],
)
def test_bad_json_input_gets_400_with_the_reason(client, secret, payload, words):
    response = client.post(CREATE, payload, content_type="application/json", **auth(secret))
    assert_vendor_error(response, 400, words)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_bad_bodies_get_400(client, secret):
    both = client.post(CREATE, {"model": "#g1_whisper-tiny", **clip(), **clip(part="file")}, **auth(secret))
    assert_vendor_error(both, 400, "not both")
    not_json = client.post(CREATE, "{model:", content_type="application/json", **auth(secret))
    assert_vendor_error(not_json, 400, "JSON")
    assert_vendor_error(client.post(CREATE, "[1]", content_type="application/json", **auth(secret)), 400)
    text = client.post(CREATE, "model=x", content_type="text/plain", **auth(secret))
    assert_vendor_error(text, 400, "multipart")
    corrupt = {"model": "#g1_whisper-tiny", "audio": SimpleUploadedFile("a.mp3", b"<html>no</html>" * 100)}
    assert_vendor_error(client.post(CREATE, corrupt, **auth(secret)), 400, "no audio stream")
    assert_vendor_error(client.get(CREATE, **auth(secret)), 405)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_vendor_options_are_kept_when_the_engine_has_them_and_ignored_otherwise(client, secret):
    response = create_upload(client, secret, model="#g1_whisper-base", language="en-us", smart_format="true",
                             punctuate="true", multi_channel="true", **{"tag[]": ["a", "b"]})  # fmt: skip
    assert response.status_code == 201, response.json()
    job = Job.objects.get(pk=response.json()["generation_id"])
    assert job.options == {"language": "en-US", "multi_channel": True}


# --- Reading -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pending_statuses_follow_the_token_style(client, owner, secret, schema_secret):
    generation_id = create_upload(client, secret).json()["generation_id"]
    legacy = get(client, secret, generation_id).json()
    assert legacy == {"generation_id": generation_id, "status": "waiting", "result": None, "error": None}
    assert get(client, schema_secret, generation_id).json()["status"] == "queued"
    Job.objects.filter(pk=generation_id).update(state=JobState.PROCESSING)
    assert get(client, secret, generation_id).json()["status"] == "active"
    assert get(client, schema_secret, generation_id).json()["status"] == "generating"


@pytest.mark.django_db
def test_failures_and_cancellations_are_errors(client, secret):
    generation_id = create_upload(client, secret).json()["generation_id"]
    fail_job(
        job_id=generation_id, code="unreadable_audio", message="This file has no audio stream we can read."
    )
    body = get(client, secret, generation_id).json()
    assert body["status"] == "error" and body["result"] is None
    assert body["error"] == {
        "name": "unreadable_audio",
        "message": "This file has no audio stream we can read.",
    }
    other = create_upload(client, secret).json()["generation_id"]
    Job.objects.filter(pk=other).update(state=JobState.CANCELLED)
    assert get(client, secret, other).json()["error"]["name"] == "cancelled"


@pytest.mark.engine
@pytest.mark.django_db
def test_a_completed_job_answers_a_deepgram_shaped_result(client, owner, secret):
    generation_id = create_upload(client, secret).json()["generation_id"]
    run_job(job_id=generation_id)
    body = get(client, secret, generation_id).json()
    assert (body["status"], body["error"]) == ("completed", None)
    metadata, channels = body["result"]["metadata"], body["result"]["results"]["channels"]
    assert metadata["request_id"] == generation_id
    assert metadata["sha256"] == hashlib.sha256((AUDIO / "jfk.flac").read_bytes()).hexdigest()
    assert metadata["duration"] == pytest.approx(11.0, abs=0.1) and metadata["channels"] == 2
    assert metadata["created"].endswith("Z") and len(metadata["models"]) == 1
    assert metadata["model_info"][metadata["models"][0]]["name"] == "whisper-tiny.en"
    alternative = channels[0]["alternatives"][0]
    assert wer(references()["jfk.flac"], alternative["transcript"]) < 0.1
    assert 0.5 < alternative["confidence"] <= 1
    first = alternative["words"][0]
    assert set(first) == {"word", "start", "end", "confidence", "punctuated_word"}
    assert first["word"] == "and" and first["punctuated_word"] == "And"
    sentences = [s for p in alternative["paragraphs"]["paragraphs"] for s in p["sentences"]]
    assert " ".join(s["text"] for s in sentences) == alternative["transcript"]
    assert channels[0]["detected_language"] == "en"
    job = Job.objects.get(pk=generation_id)
    assert job.transcript.text == alternative["transcript"]


@pytest.mark.django_db
def test_generations_follow_the_one_access_rule_of_the_pages(client, owner, teammate, outsider, team, secret):
    assert_vendor_error(get(client, secret, str(uuid.uuid4())), 404, "not found")
    assert_vendor_error(get(client, secret, "not-a-uuid"), 404)
    upload = SimpleUploadedFile("t.flac", (AUDIO / "jfk.flac").read_bytes())
    # A teammate's job in a team both belong to: the page shows it to the owner, and so does the API.
    ours = submit_job(user=teammate, team=team, model_id="local/whisper-tiny.en", upload=upload)
    assert get(client, secret, str(ours.pk)).json()["generation_id"] == str(ours.pk)
    # An outsider's job in a team the token's user is not in: 404 on both.
    upload.seek(0)
    outsiders_team = outsider.teams.get()
    theirs = submit_job(user=outsider, team=outsiders_team, model_id="local/whisper-tiny.en", upload=upload)
    assert_vendor_error(get(client, secret, str(theirs.pk)), 404)
    client.force_login(owner)
    assert client.get(theirs.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_a_removed_member_loses_the_jobs_he_made_there_on_the_page_and_the_api(client, owner, teammate, team):
    from transcripts.services.teams import remove_member

    _, teammate_secret = create_token(user=teammate, name="teammate script")
    upload = SimpleUploadedFile("t.flac", (AUDIO / "jfk.flac").read_bytes())
    made_there = submit_job(user=teammate, team=team, model_id="local/whisper-tiny.en", upload=upload)
    client.force_login(teammate)
    assert client.get(made_there.get_absolute_url()).status_code == 200
    assert get(client, teammate_secret, str(made_there.pk)).status_code == 200

    remove_member(membership=team.memberships.get(user=teammate), by=owner)

    assert client.get(made_there.get_absolute_url()).status_code == 404
    assert_vendor_error(get(client, teammate_secret, str(made_there.pk)), 404, "not found")


@pytest.mark.django_db
def test_api_jobs_appear_in_the_users_transcripts(client, owner, secret, team):
    token = ApiToken.objects.get(user=owner)
    token.team = team
    token.save()
    generation_id = create_upload(client, secret).json()["generation_id"]
    job = Job.objects.get(pk=generation_id)
    assert job.team == team and job.title == "sample"
    client.force_login(owner)
    page = client.get(reverse("job_list")).content.decode()
    assert job.get_absolute_url() in page


def test_the_deepgram_rendering_keeps_channels_and_groups_paragraphs():
    from datetime import UTC, datetime

    from transcripts.exports.deepgram import deepgram_result
    from transcripts.normalise import NormalisedTranscript, Segment, Word

    words = [Word("Hello,", 0.0, 0.5, 0.9, "Channel 1", 0), Word("Hi.", 0.6, 0.9, 0.8, "Channel 2", 1),
             Word("Later.", 5.0, 5.5, 0.7, "Channel 1", 0)]  # fmt: skip
    segments = [Segment(0.0, 0.5, "Hello,", "Channel 1", 0), Segment(0.6, 0.9, "Hi.", "Channel 2", 1),
                Segment(5.0, 5.5, "Later.", "Channel 1", 0)]  # fmt: skip
    transcript = NormalisedTranscript(text="Hello, Hi. Later.", segments=segments, words=words, duration=6.0,
                                      channels=2, language="en")  # fmt: skip
    result = deepgram_result(
        transcript, request_id="r", created=datetime(2026, 1, 2, tzinfo=UTC), model_name="m"
    )
    left, right = result["results"]["channels"]
    assert left["alternatives"][0]["transcript"] == "Hello, Later."
    assert right["alternatives"][0]["words"] == [
        {"word": "hi", "start": 0.6, "end": 0.9, "confidence": 0.8, "punctuated_word": "Hi."}
    ]
    paragraphs = left["alternatives"][0]["paragraphs"]["paragraphs"]
    assert [len(p["sentences"]) for p in paragraphs] == [1, 1]  # a 4.5 s pause starts a new paragraph
    assert result["metadata"]["channels"] == 2 and result["metadata"]["created"] == "2026-01-02T00:00:00Z"


# --- End to end: real HTTP, real cluster ---------------------------------------------------------


def poll_like_the_schema(base: str, secret: str, generation_id: str, *, timeout: float = 90) -> dict:
    """A client written against the vendor's schema: waits while queued/generating, else done."""
    headers = {"Authorization": f"Bearer {secret}"}
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = requests.get(f"{base}/v1/stt/{generation_id}", headers=headers, timeout=10).json()
        seen.append(body["status"])
        if body["status"] not in ("queued", "generating"):
            body["seen"] = seen
            return body
        time.sleep(0.3)
    raise AssertionError(f"still pending after {timeout}s: {seen[-5:]}")


@pytest.mark.cluster
@pytest.mark.engine
def test_a_schema_style_client_survives_with_a_schema_token(live_server, owner, schema_secret):
    with running_cluster(inference=True):
        with open(AUDIO / "jfk.flac", "rb") as handle:
            created = requests.post(
                f"{live_server.url}{CREATE}",
                data={"model": "#g1_whisper-base"},
                files={"audio": ("jfk.flac", handle, "audio/flac")},
                headers={"Authorization": f"Bearer {schema_secret}"},
                timeout=30,
            )
        assert created.status_code == 201, created.text
        body = poll_like_the_schema(live_server.url, schema_secret, created.json()["generation_id"])
    assert body["status"] == "completed", body
    assert set(body["seen"][:-1]) <= {"queued", "generating"} and body["seen"][0] in ("queued", "generating")
    transcript = body["result"]["results"]["channels"][0]["alternatives"][0]["transcript"]
    assert "ask not what your country can do for you" in transcript.lower()


@pytest.mark.cluster
@pytest.mark.engine
def test_the_projects_cloud_client_works_against_these_endpoints(
    live_server, settings, owner, teammate, team
):
    """Cloud jobs whose "AI/ML API" is this live server and whose keys are our own tokens (one legacy,
    one schema-style): each completes, and its transcript matches the local job it created here."""
    from transcripts.services.keys import save_key

    settings.AIMLAPI_BASE_URL = live_server.url
    styles = {owner: ApiToken.StatusStyle.LEGACY, teammate: ApiToken.StatusStyle.SCHEMA}
    for user, style in styles.items():
        save_key(user=user, secret=create_token(user=user, name="loopback", status_style=style)[1], by=user)
    env = {"STT_POLL_FIRST_DELAY": "0.5", "STT_POLL_MAX_INTERVAL": "1"}
    with running_cluster(inference=True, **env):
        cloud_jobs = [
            submit_job(user=user, team=team, model_id="#g1_whisper-tiny",
                       upload=SimpleUploadedFile("jfk.flac", (AUDIO / "jfk.flac").read_bytes()))
            for user in styles
        ]  # fmt: skip
        for job in cloud_jobs:
            wait_for(lambda job=job: Job.objects.get(pk=job.pk).is_final, timeout=120, interval=0.5,
                     what=f"cloud job {job.pk} to finish")  # fmt: skip
    for job in cloud_jobs:
        job.refresh_from_db()
        assert (job.provider, job.state) == ("cloud", JobState.COMPLETED), (job.error_code, job.error_message)
        local = Job.objects.get(pk=job.remote_id)  # the generation our endpoints created for it
        assert (local.provider, local.model, local.created_by) == (
            "local",
            "local/whisper-tiny.en",
            job.created_by,
        )
        ours, theirs = local.transcript, job.transcript
        assert theirs.text == ours.text and "ask not what your country" in theirs.text.lower()
        assert [w["text"] for w in theirs.words] == [w["text"] for w in ours.words]
        assert [(w["start"], w["end"]) for w in theirs.words] == [(w["start"], w["end"]) for w in ours.words]
        assert [s["text"] for s in theirs.segments] == [s["text"] for s in ours.segments]
        assert (theirs.language, theirs.duration, theirs.channels) == (
            ours.language,
            ours.duration,
            ours.channels,
        )
