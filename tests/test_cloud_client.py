"""CloudProvider and its HTTP client against the fake vendor: requests sent, answers and faults mapped."""

import json
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tests.factories import make_job
from tests.fake_aimlapi import GOOD_KEY, Fault, fake_aimlapi_fixture  # noqa: F401
from transcripts.models import JobState
from transcripts.providers.aimlapi_client import (
    KEY_REJECTED,
    RESULT_GONE,
    ClientConfig,
    create_generation,
    multipart_fields,
    retry_after_seconds,
)
from transcripts.providers.base import (
    Finished,
    KeyRejected,
    NoEvents,
    OutcomeUnknown,
    Pending,
    PermanentError,
    QuotaExceeded,
    Submitted,
    TransientError,
)
from transcripts.providers.cloud import CloudProvider
from transcripts.services.keys import save_key

ROOT = Path(__file__).resolve().parent.parent
cloud = CloudProvider()


@pytest.fixture
def key(owner, fake_aimlapi):
    return save_key(user=owner, secret=GOOD_KEY, by=owner)


@pytest.fixture
def url_job(team, owner, key):
    return make_job(team=team, user=owner, provider="cloud", key=key, options={"diarize": True})


def upload_job(team, owner, key, *, model="#g1_whisper-base", content=b"RIFF....WAVEfmt fake", **fields):
    job = make_job(
        team=team,
        user=owner,
        provider="cloud",
        key=key,
        model=model,
        source="upload",
        source_url="",
        original_filename="Board meeting.wav",
        content_type="audio/wav",
        **fields,
    )
    job.audio.save("board.wav", ContentFile(content))
    return job


def submitted(fake, job):
    outcome = cloud.start(job, events=NoEvents())
    assert isinstance(outcome, Submitted)
    job.remote_id = outcome.remote_id
    job.state = JobState.PROCESSING
    return job


# --- the create call ---------------------------------------------------------------------------


def test_url_job_is_one_json_create_with_bearer_and_options(fake_aimlapi, url_job):
    outcome = cloud.start(url_job, events=NoEvents())
    assert fake_aimlapi.create_count == 1
    call = fake_aimlapi.creates[0]
    assert outcome == Submitted(call.generation_id)
    assert (call.key, call.model, call.content_type) == (GOOD_KEY, "#g1_nova-2-general", "application/json")
    assert call.url == "https://example.com/board.mp3" and call.options == {"diarize": True}


def test_file_job_is_multipart_with_the_audio_part(fake_aimlapi, team, owner, key):
    options = {"smart_format": True, "tag": ["board"], "utt_split": 0.8}
    job = upload_job(team, owner, key, options=options)
    cloud.start(job, events=NoEvents())
    call = fake_aimlapi.creates[0]
    assert call.content_type == "multipart/form-data" and call.url is None
    assert (call.file_field, call.filename, call.file_bytes) == ("audio", "Board meeting.wav", 20)
    assert call.options == {"smart_format": "true", "tag": ["board"], "utt_split": "0.8"}


def test_gpt4o_uploads_its_file_part_as_file(fake_aimlapi, team, owner, key):
    cloud.start(
        upload_job(team, owner, key, model="openai/gpt-4o-transcribe", options={"temperature": 0.2}),
        events=NoEvents(),
    )
    assert fake_aimlapi.creates[0].file_field == "file"


def test_lists_of_objects_are_sent_as_indexed_fields(fake_aimlapi, team, owner, key):
    spelling = [{"from": ["acme", "ackme"], "to": "Acme"}, {"from": "gpt", "to": "GPT"}]
    cloud.start(
        upload_job(team, owner, key, model="aai/universal", options={"custom_spelling": spelling}),
        events=NoEvents(),
    )
    assert fake_aimlapi.creates[0].options == {"custom_spelling": spelling}
    assert ("custom_spelling[0][from][]", "acme") in multipart_fields(
        model="m", options={"custom_spelling": spelling}
    )


def test_a_create_answer_with_id_instead_of_generation_id(fake_aimlapi, url_job):
    fake_aimlapi.keys[GOOD_KEY].id_field = "id"
    assert cloud.start(url_job, events=NoEvents()) == Submitted(fake_aimlapi.creates[0].generation_id)


@pytest.mark.parametrize(
    "fault, error, text",
    [
        (Fault("status", 400, message="language must be a valid BCP-47 tag"), PermanentError, "BCP-47"),
        (Fault("status", 404, message="Cannot POST"), PermanentError, "Cannot POST"),
        (Fault("status", 429, retry_after="7"), TransientError, "rate-limiting"),
        (500, TransientError, "HTTP 500"),
        (502, TransientError, "HTTP 502"),
        (503, TransientError, "HTTP 503"),
        (504, TransientError, "HTTP 504"),
    ],
)
def test_create_status_codes_are_mapped(fake_aimlapi, url_job, fault, error, text):
    fake_aimlapi.fail_next("create", fault)
    with pytest.raises(error) as raised:
        cloud.start(url_job, events=NoEvents())
    assert text in raised.value.message
    assert type(raised.value) is error
    assert fake_aimlapi.create_count == 0


def test_retry_after_is_read_as_seconds_or_a_date(fake_aimlapi, url_job):
    fake_aimlapi.fail_next("create", Fault("status", 429, retry_after="7"))
    with pytest.raises(TransientError) as raised:
        cloud.start(url_job, events=NoEvents())
    assert raised.value.retry_after == 7
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 30
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_unknown_key_is_rejected_and_quota_is_its_own_error(fake_aimlapi, team, owner):
    bad = save_key(user=owner, secret="not-a-key-the-vendor-knows", by=owner)
    job = make_job(team=team, user=owner, provider="cloud", key=bad)
    with pytest.raises(KeyRejected) as raised:
        cloud.start(job, events=NoEvents())
    assert raised.value.message == KEY_REJECTED == "The API key was rejected — update it in Settings."
    fake_aimlapi.add_key("not-a-key-the-vendor-knows", quota=True)
    with pytest.raises(QuotaExceeded) as raised:
        cloud.start(job, events=NoEvents())
    assert "out of credits" in raised.value.message


def test_a_reset_after_the_request_was_read_is_an_unknown_outcome(fake_aimlapi, url_job):
    fake_aimlapi.fail_next("create", "reset_after")
    with pytest.raises(OutcomeUnknown):
        cloud.start(url_job, events=NoEvents())
    assert fake_aimlapi.create_count == 1  # the vendor did create it: we must not silently create again


def test_a_read_timeout_after_sending_is_an_unknown_outcome(fake_aimlapi, url_job, settings):
    settings.AIMLAPI_READ_TIMEOUT = 0.5
    fake_aimlapi.fail_next("create", Fault("hang", seconds=1.5))
    with pytest.raises(OutcomeUnknown):
        cloud.start(url_job, events=NoEvents())
    assert fake_aimlapi.create_count == 1


def test_an_unreadable_2xx_create_answer_is_an_unknown_outcome(fake_aimlapi, url_job):
    fake_aimlapi.fail_next("create", "invalid_json")
    with pytest.raises(OutcomeUnknown):
        cloud.start(url_job, events=NoEvents())


def test_a_reset_before_an_upload_was_read_is_retried(fake_aimlapi, team, owner, key):
    job = upload_job(team, owner, key, content=bytes(32 * 1024 * 1024))
    fake_aimlapi.fail_next("create", "reset_before")
    with pytest.raises(TransientError) as raised:
        cloud.start(job, events=NoEvents())
    assert type(raised.value) is TransientError and fake_aimlapi.create_count == 0


def test_a_refused_connection_is_transient(url_job, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.AIMLAPI_BASE_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(TransientError) as raised:
        cloud.start(url_job, events=NoEvents())
    assert type(raised.value) is TransientError


def test_a_job_whose_key_was_removed_says_so(fake_aimlapi, url_job):
    url_job.key = None
    with pytest.raises(PermanentError) as raised:
        cloud.start(url_job, events=NoEvents())
    assert "removed" in raised.value.message and fake_aimlapi.create_count == 0


# --- polling -----------------------------------------------------------------------------------


def test_waiting_then_completed_in_the_older_envelope(fake_aimlapi, url_job):
    fake_aimlapi.keys[GOOD_KEY].delay = 0.4
    fake_aimlapi.keys[GOOD_KEY].waiting = ("waiting", "active")
    job = submitted(fake_aimlapi, url_job)
    assert cloud.check(job) == Pending(status="waiting")
    outcome = wait_finished(job)
    assert outcome.transcript.speakers == ["0", "1"]
    assert outcome.transcript.text.startswith("Welcome everyone")


def wait_finished(job, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = cloud.check(job)
        if isinstance(outcome, Finished):
            return outcome
        time.sleep(0.05)
    raise AssertionError("never finished")


def test_the_newer_envelope_and_unknown_statuses(fake_aimlapi, team, owner, key):
    fake_aimlapi.keys[GOOD_KEY].envelope = "new"
    fake_aimlapi.keys[GOOD_KEY].delay = 0.4
    fake_aimlapi.keys[GOOD_KEY].waiting = ("transcoding",)
    job = submitted(
        fake_aimlapi,
        make_job(
            team=team,
            user=owner,
            provider="cloud",
            key=key,
            model="aai/slam-1",
            options={"speaker_labels": True},
        ),
    )
    assert cloud.check(job) == Pending(status="transcoding")
    assert wait_finished(job).transcript.speakers == ["A", "B"]


@pytest.mark.parametrize("envelope", ["old", "new"])
def test_a_vendor_error_status_fails_with_its_message(fake_aimlapi, url_job, envelope):
    fake_aimlapi.keys[GOOD_KEY].outcome = "error"
    fake_aimlapi.keys[GOOD_KEY].envelope = envelope
    job = submitted(fake_aimlapi, url_job)
    with pytest.raises(PermanentError) as raised:
        cloud.check(job)
    assert "could not be decoded" in raised.value.message


def test_an_unknown_or_expired_id_says_results_are_kept_one_hour(fake_aimlapi, url_job):
    url_job.remote_id = "no-such-generation"
    with pytest.raises(PermanentError) as raised:
        cloud.check(url_job)
    assert raised.value.message == RESULT_GONE and raised.value.code == "result_gone"


@pytest.mark.parametrize("fault", [500, 502, 503, 504, 429, "reset_before", "reset_after", "invalid_json"])
def test_poll_faults_are_transient(fake_aimlapi, url_job, fault):
    job = submitted(fake_aimlapi, url_job)
    fake_aimlapi.fail_next("get", fault)
    with pytest.raises(TransientError) as raised:
        cloud.check(job)
    assert type(raised.value) is TransientError
    assert isinstance(wait_finished(job), Finished)


def test_gpt4o_and_mai_results(fake_aimlapi, team, owner, key):
    for model_id, usage_key in [
        ("openai/gpt-4o-mini-transcribe", "total_tokens"),
        ("microsoft/mai-transcribe-1.5", "seconds"),
    ]:
        job = submitted(
            fake_aimlapi, make_job(team=team, user=owner, provider="cloud", key=key, model=model_id)
        )
        assert usage_key in wait_finished(job).transcript.usage


# --- a 1 GiB upload never sits in memory ---------------------------------------------------------

UPLOAD_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from transcripts.providers.aimlapi_client import ClientConfig, Upload, create_generation
    base_url, key, path = sys.argv[1:4]
    with open(path, "rb") as handle:
        generation_id = create_generation(
            config=ClientConfig(base_url=base_url), api_key=key, model="#g1_whisper-large",
            options={"diarize": True}, upload=Upload("audio", "long.wav", handle, "audio/wav"),
        )
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    print(json.dumps({"generation_id": generation_id, "peak_rss_kb": int(status["VmHWM"].split()[0])}))
    """
)


def test_a_1_gib_upload_streams_with_bounded_memory(fake_aimlapi, tmp_path):
    big = tmp_path / "long.wav"
    with open(big, "wb") as handle:
        handle.truncate(1024**3)  # sparse: no disk used, 1 GiB read back
    done = subprocess.run(
        [sys.executable, "-c", UPLOAD_SCRIPT, fake_aimlapi.url, GOOD_KEY, str(big)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    call = fake_aimlapi.creates[0]
    assert fake_aimlapi.create_count == 1 and report["generation_id"] == call.generation_id
    assert call.file_bytes == 1024**3
    assert report["peak_rss_kb"] < 200 * 1024, f"peak RSS {report['peak_rss_kb']} kB"


def test_client_config_reads_settings(settings):
    settings.AIMLAPI_BASE_URL = "https://api.example.test/"
    settings.AIMLAPI_UPLOAD_READ_TIMEOUT = 123
    config = ClientConfig.from_settings()
    assert config.base_url == "https://api.example.test" and config.upload_read_timeout == 123
    with pytest.raises(ValueError):
        create_generation(config=config, api_key="k", model="m", options={})
