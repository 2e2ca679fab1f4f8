"""The one job state machine: legal moves, illegal ones, and races between workers and users."""

import pytest
from django.utils import timezone

from transcripts.models import Job, JobState, Transcript
from transcripts.normalise import NormalisedTranscript, Segment
from transcripts.services.lifecycle import TRANSITIONS, IllegalTransition, claim, transition
from transcripts.services.pipeline import cancel_job, fail_job, record_result, retry_job

from .factories import make_job

pytestmark = pytest.mark.django_db
S = JobState


def test_every_state_has_a_rule_and_completed_is_terminal():
    assert set(TRANSITIONS) == set(JobState.values)
    assert TRANSITIONS[S.COMPLETED] == frozenset()


def test_transition_moves_only_from_allowed_states(team, owner):
    job = make_job(team=team, user=owner, state=S.QUEUED)
    assert transition(job_id=job.pk, to=S.PROCESSING)
    assert not transition(job_id=job.pk, to=S.SUBMITTING)  # processing cannot go back to submitting
    job.refresh_from_db()
    assert job.state == S.PROCESSING


def test_only_from_that_allows_nothing_is_a_programming_error(team, owner):
    job = make_job(team=team, user=owner)
    with pytest.raises(IllegalTransition):
        transition(job_id=job.pk, to=S.SUBMITTING, only_from=[S.COMPLETED])


def test_final_transition_clears_scheduling(team, owner):
    job = make_job(team=team, user=owner, state=S.PROCESSING, lease_until=timezone.now())
    assert fail_job(job_id=job.pk, code="rejected", message="Bad audio")
    job.refresh_from_db()
    assert (job.state, job.error_message, job.next_action_at, job.lease_until) == (
        S.FAILED,
        "Bad audio",
        None,
        None,
    )
    assert job.finished_at is not None


def test_a_result_arriving_after_cancel_is_ignored(team, owner):
    job = make_job(team=team, user=owner, state=S.PROCESSING)
    assert cancel_job(job=job)
    stored = record_result(
        job_id=job.pk, transcript=NormalisedTranscript(text="late", segments=[Segment(0, 1, "late")])
    )
    assert stored is False
    job.refresh_from_db()
    assert job.state == S.CANCELLED
    assert not Transcript.objects.filter(job=job).exists()


def test_record_result_stores_the_transcript_and_completes(team, owner):
    job = make_job(team=team, user=owner, state=S.PROCESSING)
    result = NormalisedTranscript(
        text="hello there", segments=[Segment(0.0, 1.2, "hello there", speaker="0")], duration=1.2
    )
    assert record_result(job_id=job.pk, transcript=result)
    job.refresh_from_db()
    assert job.state == S.COMPLETED and job.progress == 1.0
    assert job.transcript.text == "hello there"
    assert job.transcript.speakers == ["0"]


def test_cancel_of_a_finished_job_does_nothing(team, owner):
    job = make_job(team=team, user=owner, state=S.COMPLETED)
    assert not cancel_job(job=job)


def test_retry_resets_a_failed_job(team, owner):
    from transcripts.services.keys import save_key

    save_key(user=owner, secret="aiml-test-key-for-the-retry-0042", by=owner)
    job = make_job(
        team=team,
        user=owner,
        state=S.FAILED,
        error_message="boom",
        remote_id="gen-1",
        attempts=3,
        provider="cloud",
    )
    assert retry_job(job=job, by=owner)
    job.refresh_from_db()
    assert (job.state, job.error_message, job.remote_id, job.attempts) == (S.QUEUED, "", "", 0)
    assert (job.key_owner, job.key_last4) == ("olivia", "0042")


def test_claim_is_exclusive_until_the_lease_expires(team, owner):
    job = make_job(team=team, user=owner, state=S.PROCESSING)
    first = claim(job_id=job.pk, states=[S.PROCESSING], seconds=30)
    second = claim(job_id=job.pk, states=[S.PROCESSING], seconds=30)
    assert first is not None and second is None
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    assert claim(job_id=job.pk, states=[S.PROCESSING], seconds=30) is not None
