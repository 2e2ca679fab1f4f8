"""Cloud jobs through the real pipeline (advance_job, run_poller, sweep) against the fake vendor.

No patching: every request goes over HTTP to ``tests.fake_aimlapi``; faults are injected there.
"""

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.cluster import running_cluster, wait_for
from tests.fake_aimlapi import GOOD_KEY, Fault, fake_aimlapi_fixture  # noqa: F401
from transcripts.models import Job, JobState, Lease, ProviderKey, Transcript
from transcripts.services.keys import save_key
from transcripts.services.pipeline import advance_job, cancel_job
from transcripts.services.poller import run_poller
from transcripts.services.submission import submit_job
from transcripts.services.sweep import sweep_jobs

S = JobState
AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"
MODEL = "#g1_nova-2-general"


@pytest.fixture
def key(owner, fake_aimlapi):
    return save_key(user=owner, secret=GOOD_KEY, by=owner)


@pytest.fixture
def fast(settings):
    settings.STT_POLL_FIRST_DELAY = 0.05
    settings.STT_POLL_MAX_INTERVAL = 0.2
    settings.AIMLAPI_READ_TIMEOUT = 1.0
    settings.AIMLAPI_UPLOAD_READ_TIMEOUT = 1.0
    return settings


def submit(owner, team, model=MODEL, **kwargs):
    kwargs.setdefault("url", "https://example.com/board.mp3")
    return submit_job(user=owner, team=team, model_id=model, **kwargs)


def drive(job, *, steps=80, pause=0.02) -> Job:
    """Advance the job as the poller would, step by step, until it is final."""
    for _ in range(steps):
        job.refresh_from_db()
        if job.is_final:
            return job
        advance_job(job_id=job.pk)
        time.sleep(pause)
    job.refresh_from_db()
    return job


pytestmark = pytest.mark.usefixtures("fast")


# --- the happy paths ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_url_job_completes_with_one_create(fake_aimlapi, key, owner, team):
    fake_aimlapi.keys[GOOD_KEY].delay = 0.2
    job = submit(owner, team, options={"diarize": "on", "paragraphs": True})
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == S.PROCESSING and job.remote_id == fake_aimlapi.creates[0].generation_id
    assert (job.key_owner, job.key_last4) == ("olivia", GOOD_KEY[-4:])
    job = drive(job)
    assert job.state == S.COMPLETED and fake_aimlapi.create_count == 1
    transcript = Transcript.objects.get(job=job)
    assert transcript.speakers == ["0", "1"] and transcript.duration > 10
    assert transcript.segments[0]["text"] == "Welcome everyone to the quarterly review."
    assert fake_aimlapi.creates[0].options == {"diarize": True, "paragraphs": True}


@pytest.mark.django_db
def test_an_uploaded_file_is_streamed_as_multipart(fake_aimlapi, key, owner, team):
    audio = (AUDIO / "jfk.flac").read_bytes()
    upload = SimpleUploadedFile("jfk.flac", audio, content_type="audio/flac")
    job = drive(
        submit(owner, team, model="aai/universal", url="", upload=upload, options={"speaker_labels": True})
    )
    call = fake_aimlapi.creates[0]
    assert job.state == S.COMPLETED
    assert (call.file_field, call.filename, call.file_bytes) == ("audio", "jfk.flac", len(audio))
    assert Transcript.objects.get(job=job).speakers == ["A", "B"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "envelope, waiting", [("old", ("waiting", "active")), ("new", ("queued", "generating"))]
)
def test_both_envelopes_and_waiting_statuses(fake_aimlapi, key, owner, team, envelope, waiting):
    profile = fake_aimlapi.keys[GOOD_KEY]
    profile.envelope, profile.waiting, profile.delay = envelope, waiting, 0.3
    job = drive(submit(owner, team, model="openai/gpt-4o-transcribe"))
    assert job.state == S.COMPLETED and job.polls >= 1
    assert Transcript.objects.get(job=job).usage["total_tokens"] == 222


# --- faults ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fault", [500, 502, 503, 504, 429])
def test_transient_create_faults_are_retried_then_succeed(fake_aimlapi, key, owner, team, fault):
    job = submit(owner, team)
    fake_aimlapi.fail_next("create", fault)
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == S.QUEUED and job.attempts == 1 and job.next_action_at > timezone.now()
    assert job.error_message  # the user sees why it is waiting
    assert drive(job).state == S.COMPLETED and fake_aimlapi.create_count == 1


@pytest.mark.django_db
def test_a_connection_reset_before_the_upload_was_read_is_retried(fake_aimlapi, key, owner, team):
    """The vendor cannot have acted on a request it never received in full: safe to send again."""
    upload = SimpleUploadedFile("long.flac", (AUDIO / "jfk.flac").read_bytes(), content_type="audio/flac")
    job = submit(owner, team, url="", upload=upload)
    # Pad the stored file so the reset lands mid-upload, well before the body is complete.
    with open(job.audio.path, "ab") as handle:
        handle.write(bytes(32 * 1024 * 1024))
    fake_aimlapi.fail_next("create", "reset_before")
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts, fake_aimlapi.create_count) == (S.QUEUED, 1, 0)
    assert drive(job).state == S.COMPLETED and fake_aimlapi.create_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize("fault", [500, 502, 503, 504, 429, "reset_before", "reset_after", "invalid_json"])
def test_transient_poll_faults_are_survived(fake_aimlapi, key, owner, team, fault):
    job = submit(owner, team)
    advance_job(job_id=job.pk)
    fake_aimlapi.fail_next("get", fault)
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == S.PROCESSING and job.attempts == 1
    assert drive(job).state == S.COMPLETED and fake_aimlapi.create_count == 1


@pytest.mark.django_db
def test_retry_after_is_honoured(fake_aimlapi, key, owner, team):
    job = submit(owner, team)
    fake_aimlapi.fail_next("create", Fault("status", 429, retry_after="7"))
    before = timezone.now()
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    wait = (job.next_action_at - before).total_seconds()
    assert 6.5 <= wait <= 8, wait
    advance_job(job_id=job.pk)  # a poll of a processing job: Retry-After as an HTTP date works too
    fake_aimlapi.fail_next("get", Fault("status", 503, retry_after="12"))
    before = timezone.now()
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    assert 11.5 <= (job.next_action_at - before).total_seconds() <= 13


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["reset_after", Fault("hang", seconds=2.0), "invalid_json"])
def test_a_create_whose_answer_is_lost_fails_as_outcome_unknown_never_twice(
    fake_aimlapi, key, owner, team, fault
):
    job = submit(owner, team)
    fake_aimlapi.fail_next("create", fault)
    job = drive(job)
    assert (job.state, job.error_code) == (S.FAILED, "create_outcome_unknown")
    assert "cannot tell" in job.error_message
    assert fake_aimlapi.create_count == 1


@pytest.mark.django_db
def test_a_vendor_400_fails_with_its_message(fake_aimlapi, key, owner, team):
    fake_aimlapi.fail_next("create", Fault("status", 400, message="keywords must be a string"))
    job = drive(submit(owner, team))
    assert (job.state, job.error_code) == (S.FAILED, "rejected")
    assert "keywords must be a string" in job.error_message


@pytest.mark.django_db
def test_a_401_marks_the_key_invalid_and_says_where_to_fix_it(fake_aimlapi, owner, team):
    key = save_key(user=owner, secret="sk-revoked-000000000000", by=owner)
    job = drive(submit(owner, team))
    assert (job.state, job.error_code) == (S.FAILED, "key_rejected")
    assert job.error_message == "The API key was rejected — update it in Settings."
    key.refresh_from_db()
    assert key.status == ProviderKey.Status.INVALID and "Settings" in key.status_message


@pytest.mark.django_db
def test_a_403_says_the_account_is_out_of_credits(fake_aimlapi, key, owner, team):
    fake_aimlapi.keys[GOOD_KEY].quota = True
    job = drive(submit(owner, team))
    assert (job.state, job.error_code) == (S.FAILED, "quota")
    assert "out of credits" in job.error_message


@pytest.mark.django_db
@pytest.mark.parametrize("envelope", ["old", "new"])
def test_a_vendor_error_status_fails_the_job(fake_aimlapi, key, owner, team, envelope):
    fake_aimlapi.keys[GOOD_KEY].outcome, fake_aimlapi.keys[GOOD_KEY].envelope = "error", envelope
    job = drive(submit(owner, team))
    assert job.state == S.FAILED and "could not be decoded" in job.error_message


@pytest.mark.django_db
def test_an_expired_result_says_it_is_kept_one_hour(fake_aimlapi, key, owner, team):
    fake_aimlapi.keys[GOOD_KEY].delay, fake_aimlapi.keys[GOOD_KEY].expire_after = 5, 0.05
    job = drive(submit(owner, team))
    assert job.state == S.FAILED and "one hour" in job.error_message


@pytest.mark.django_db
def test_endless_transient_errors_give_up(fake_aimlapi, key, owner, team, settings):
    settings.STT_RETRY_MAX_ATTEMPTS = 2
    job = submit(owner, team)
    fake_aimlapi.fail_next("create", 503, 503, 503)
    job = drive(job)
    assert (job.state, job.error_code) == (S.FAILED, "gave_up") and "503" in job.error_message
    assert fake_aimlapi.create_count == 0


@pytest.mark.django_db
def test_a_removed_key_fails_the_job_with_a_clear_message(fake_aimlapi, key, owner, team):
    job = submit(owner, team)
    key.delete()
    job = drive(job)
    assert job.state == S.FAILED and "removed" in job.error_message and fake_aimlapi.create_count == 0


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_past_its_deadline_fails_saying_so(fake_aimlapi, key, owner, team):
    fake_aimlapi.keys[GOOD_KEY].delay = 60
    job = submit(owner, team)
    advance_job(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    job = drive(job)
    assert (job.state, job.error_code) == (S.FAILED, "deadline")
    assert "deadline" in job.error_message


@pytest.mark.django_db
def test_a_job_older_than_the_vendors_retention_fails_saying_so(fake_aimlapi, key, owner, team):
    fake_aimlapi.keys[GOOD_KEY].delay = 60
    job = submit(owner, team)
    advance_job(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1, seconds=5))
    job = drive(job)
    assert job.state == S.FAILED and "one hour" in job.error_message


# --- cancel at each state ----------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_while_queued_sends_nothing(fake_aimlapi, key, owner, team):
    job = submit(owner, team)
    assert cancel_job(job=job)
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == S.CANCELLED and fake_aimlapi.create_count == 0


@pytest.mark.django_db(transaction=True)
def test_cancel_while_submitting_keeps_the_id_and_ignores_the_result(fake_aimlapi, key, owner, team):
    job = submit(owner, team)
    fake_aimlapi.on_create = lambda call: cancel_job(job=Job.objects.get(pk=job.pk))
    job = drive(job)
    assert job.state == S.CANCELLED and job.remote_id == fake_aimlapi.creates[0].generation_id
    advance_job(job_id=job.pk)
    assert fake_aimlapi.gets == 0 and not Transcript.objects.filter(job=job).exists()


@pytest.mark.django_db
def test_cancel_while_processing_ignores_the_later_result(fake_aimlapi, key, owner, team):
    fake_aimlapi.keys[GOOD_KEY].delay = 0.1
    job = submit(owner, team)
    advance_job(job_id=job.pk)
    assert cancel_job(job=Job.objects.get(pk=job.pk))
    time.sleep(0.2)  # the generation completes at the vendor
    advance_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == S.CANCELLED and not Transcript.objects.filter(job=job).exists()


@pytest.mark.django_db(transaction=True)
def test_cancel_during_the_final_poll_drops_the_result(fake_aimlapi, key, owner, team):
    job = submit(owner, team)
    advance_job(job_id=job.pk)
    fake_aimlapi.on_get = lambda generation: cancel_job(job=Job.objects.get(pk=job.pk))
    job = drive(job)
    assert job.state == S.CANCELLED and not Transcript.objects.filter(job=job).exists()


# --- the poller and the sweep --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_poller_run_advances_many_jobs(fake_aimlapi, key, owner, team):
    fake_aimlapi.keys[GOOD_KEY].delay = 0.5
    jobs = [submit(owner, team, title=f"Call {n}") for n in range(12)]
    steps = run_poller(run_seconds=15)
    assert steps >= 24
    assert set(Job.objects.filter(pk__in=[j.pk for j in jobs]).values_list("state", flat=True)) == {
        S.COMPLETED
    }
    assert fake_aimlapi.create_count == 12


@pytest.mark.django_db
def test_the_sweep_fails_a_submission_whose_worker_died(fake_aimlapi, key, owner, team, settings):
    job = submit(owner, team)
    Job.objects.filter(pk=job.pk).update(state=S.SUBMITTING, submitted_at=timezone.now() - timedelta(hours=1))
    assert sweep_jobs()["unknown_outcome"] == 1
    job.refresh_from_db()
    assert (job.state, job.error_code) == (S.FAILED, "create_outcome_unknown")
    assert fake_aimlapi.create_count == 0


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_polling_loses_nothing(fake_aimlapi, key, owner, team):
    """SIGKILL the worker running the poller: the sweep resumes the job; the vendor saw one create."""
    from django_q.models import Schedule

    from transcripts.apps import ensure_sweep_schedule

    fake_aimlapi.keys[GOOD_KEY].delay = 12
    env = {
        "STT_TASK_TIMEOUT": "10",
        "STT_POLLER_RUN_SECONDS": "3",
        "STT_POLL_FIRST_DELAY": "0.5",
        "STT_POLL_MAX_INTERVAL": "1",
    }
    with running_cluster(**env):
        job = submit(owner, team)
        wait_for(
            lambda: Job.objects.filter(pk=job.pk, state=S.PROCESSING).exclude(remote_id="").exists(),
            timeout=30,
            what="the job to be submitted by the cluster",
        )
        killed = None
        for _ in range(5):  # catch a poller run in progress (runs last 3 s and chain each other)
            lease = wait_for(
                lambda: Lease.objects.filter(name="cloud-poller", until__gt=timezone.now()).first(),
                timeout=10,
                what="a poller run holding the lease",
            )
            pid = int(lease.holder.rsplit(":", 1)[1])
            os.kill(pid, signal.SIGKILL)
            lease.refresh_from_db()
            if lease.until and lease.until > timezone.now() and lease.holder.endswith(f":{pid}"):
                killed = lease
                break
        assert killed is not None, "never caught the poller mid-run"
        assert Job.objects.get(pk=job.pk).state == S.PROCESSING
        # The sweep runs every minute; its next run after the dead poller's lease has lapsed
        # restarts the poller (the ORM broker would also redeliver the task after `retry`).
        ensure_sweep_schedule(sender=None)
        Schedule.objects.filter(name="sweep-jobs").update(next_run=killed.until + timedelta(seconds=1))
        wait_for(
            lambda: Job.objects.filter(pk=job.pk, state=S.COMPLETED).exists(),
            timeout=75,
            interval=0.5,
            what="the job to complete after the worker was killed",
        )
    assert fake_aimlapi.create_count == 1
    assert Transcript.objects.filter(job_id=job.pk).exists()


# --- which key pays: one rule at submit and at retry -------------------------------------------

NEW_KEY = "aiml-test-key-9876543210-new"


@pytest.mark.django_db
def test_retry_after_the_key_was_replaced_pays_with_the_new_key(fake_aimlapi, key, owner, team, client):
    from django.urls import reverse

    from transcripts.services.keys import remove_key

    job = submit(owner, team)
    remove_key(user=owner, by=owner)
    job = drive(job)
    assert (job.state, job.error_code) == (S.FAILED, "key_removed")
    assert "Add a key in Settings, then retry" in job.error_message

    fake_aimlapi.add_key(NEW_KEY)
    save_key(user=owner, secret=NEW_KEY, by=owner)
    client.force_login(owner)
    response = client.post(reverse("job_retry", args=[job.pk]), follow=True)
    assert response.status_code == 200 and "Queued again." in response.content.decode()

    job = drive(job)
    assert job.state == S.COMPLETED, job.error_message
    assert (job.key_owner, job.key_last4) == ("olivia", NEW_KEY[-4:])
    assert [call.key for call in fake_aimlapi.creates] == [NEW_KEY]


@pytest.mark.django_db
@pytest.mark.parametrize("problem", ["missing", "rejected"])
def test_submit_and_retry_refuse_the_same_unusable_keys(fake_aimlapi, key, owner, team, client, problem):
    from django.urls import reverse

    from transcripts.services.keys import mark_key_invalid, remove_key
    from transcripts.services.submission import SubmissionError

    failed = drive(submit(owner, team, model="#g1_nova-2-general"))
    assert failed.state == S.COMPLETED
    failed.state, failed.error_code = S.FAILED, "provider_failed"
    failed.save()
    if problem == "missing":
        remove_key(user=owner, by=owner)
        expected = "need an AI/ML API key"
    else:
        mark_key_invalid(key_id=key.pk, message="401")
        expected = "rejected the olivia key"

    with pytest.raises(SubmissionError) as refused:
        submit(owner, team)
    assert expected in refused.value.message_dict["model"][0]

    client.force_login(owner)
    page = client.post(reverse("job_retry", args=[failed.pk]), follow=True).content.decode()
    assert expected in page
    failed.refresh_from_db()
    assert failed.state == S.FAILED and fake_aimlapi.create_count == 1
