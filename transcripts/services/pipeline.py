"""Driving jobs through the state machine: the rules every task and view calls.

Remote (cloud) jobs are advanced one step at a time by the poller (``services.poller``), which
calls ``advance_job``: one create call or one poll. Other providers' jobs run to the end in their
own cluster (``run_job``). Providers never write job rows: they report through ``JobReports``
and return an outcome, and this module does every write. ``services.sweep`` settles what dead
workers and lost tasks left behind.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Job, JobState, Transcript
from ..models.jobs import ACTIVE_STATES
from ..normalise import NormalisedTranscript
from ..providers import get_provider
from ..providers.base import (
    Finished,
    KeyRejected,
    NoEvents,
    Outcome,
    Pending,
    ProviderError,
    Submitted,
    TransientError,
)
from ..search import index_job
from .dispatch import dispatch
from .keys import key_for_job, mark_key_invalid
from .lifecycle import claim, release, transition

log = logging.getLogger(__name__)
S = JobState
STEP_LEASE_SECONDS = 30
RETRYABLE_STATES = (S.FAILED, S.CANCELLED)
RUN_LEASE_SECONDS = 120  # a run-to-the-end job's lease; each progress report renews it


# --- Outcomes shared by both providers ------------------------------------------------------


def record_result(*, job_id, transcript: NormalisedTranscript) -> bool:
    """Store the transcript and complete the job; False if it was cancelled or failed meanwhile."""
    with transaction.atomic():
        if not transition(
            job_id=job_id, to=S.COMPLETED, only_from=[S.PROCESSING, S.SUBMITTING], progress=1.0
        ):
            return False
        Transcript.objects.update_or_create(job_id=job_id, defaults=transcript.as_model_fields())
        index_job(job_id=job_id)
    log.info("job %s completed", job_id)
    return True


def fail_job(*, job_id, code: str, message: str) -> bool:
    moved = transition(
        job_id=job_id, to=S.FAILED, only_from=ACTIVE_STATES, error_code=code[:40], error_message=message
    )
    if moved:
        log.info("job %s failed: %s %s", job_id, code, message)
    return moved


def cancel_job(*, job: Job) -> bool:
    """Stop a job in any active state. A remote generation cannot be stopped; its result is ignored."""
    return transition(job_id=job.pk, to=S.CANCELLED, only_from=ACTIVE_STATES, error_code="", error_message="")


def retry_job(*, job: Job, by) -> bool:
    """Run a failed or cancelled job again from the start (a new remote generation for cloud jobs).

    The key that pays is chosen again for ``by`` (who pressed Retry), exactly as at submission:
    a key removed or replaced since is never reused. Raises ``NoUsableKey`` when there is none.
    """
    if job.state not in RETRYABLE_STATES:
        return False
    key = key_for_job(user=by, team=job.team, provider=get_provider(job.provider))
    moved = transition(
        job_id=job.pk,
        to=S.QUEUED,
        only_from=RETRYABLE_STATES,
        error_code="",
        error_message="",
        remote_id="",
        attempts=0,
        polls=0,
        progress=None,
        submitted_at=None,
        started_at=None,
        finished_at=None,
        key=key,
        key_owner=key.owner_label if key else "",
        key_last4=key.last4 if key else "",
        deadline_at=deadline_for(provider=job.provider),
        next_action_at=timezone.now(),
    )
    if moved:
        dispatch(job_id=job.pk, provider=job.provider)
    return moved


def deadline_for(*, provider: str):
    """Remote jobs must finish within the vendor deadline; a local recording simply takes longer."""
    if not get_provider(provider).remote:
        return None
    return timezone.now() + timedelta(seconds=settings.STT_JOB_DEADLINE_SECONDS)


# --- Cloud: one step per job ----------------------------------------------------------------


def _backoff_seconds(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(max(retry_after, 1.0), 300.0)
    return min(60.0, 2.0 * 2**attempt) * random.uniform(0.5, 1.0)  # full jitter on the upper half


def _poll_interval(polls: int) -> float:
    return min(settings.STT_POLL_MAX_INTERVAL, settings.STT_POLL_FIRST_DELAY * 1.5**polls)


def _step(job: Job, attempt, *, back_to: str) -> Outcome | None:
    """Run one provider call; map its failure onto the job (retry later, or fail) and return None."""
    try:
        return attempt()
    except TransientError as error:
        _retry_or_fail(job, error, back_to=back_to)
    except ProviderError as error:
        if isinstance(error, KeyRejected) and job.key_id:
            mark_key_invalid(key_id=job.key_id, message=error.message)
        fail_job(job_id=job.pk, code=error.code, message=error.message)
    return None


def _retry_or_fail(job: Job, error: TransientError, *, back_to: str) -> None:
    attempts = job.attempts + 1
    if attempts > settings.STT_RETRY_MAX_ATTEMPTS:
        fail_job(job_id=job.pk, code="gave_up", message=f"Gave up after {attempts} attempts: {error.message}")
        return
    delay = _backoff_seconds(job.attempts, error.retry_after)
    fields = {"attempts": attempts, "error_message": error.message}
    if back_to != job.state:
        transition(job_id=job.pk, to=back_to, only_from=[job.state], **fields)
        fields = {}
    release(job_id=job.pk, next_action_at=timezone.now() + timedelta(seconds=delay), **fields)


def _past_deadline(job: Job) -> str | None:
    now = timezone.now()
    if now - job.created_at > timedelta(seconds=settings.STT_VENDOR_RETENTION_SECONDS):
        return "The provider keeps results for one hour and this one could not be fetched in time."
    if job.deadline_at and now > job.deadline_at:
        limit = int((job.deadline_at - job.created_at).total_seconds())
        return f"The transcription did not finish within its {limit}-second deadline."
    return None


def advance_job(*, job_id) -> None:
    """One step for a cloud job: the create call if it is queued, else one poll."""
    job = claim(job_id=job_id, states=[S.QUEUED, S.PROCESSING], seconds=STEP_LEASE_SECONDS)
    if job is None:
        return
    expired = _past_deadline(job)
    if expired:
        fail_job(job_id=job.pk, code="deadline", message=expired)
    elif job.state == S.QUEUED:
        _submit(job)
    else:
        _poll(job)


def _submit(job: Job) -> None:
    if not transition(job_id=job.pk, to=S.SUBMITTING, only_from=[S.QUEUED], submitted_at=timezone.now()):
        return
    job.state = S.SUBMITTING
    provider = get_provider(job.provider)
    outcome = _step(job, lambda: provider.start(job, events=NoEvents()), back_to=S.QUEUED)
    if isinstance(outcome, Submitted):
        moved = transition(
            job_id=job.pk,
            to=S.PROCESSING,
            only_from=[S.SUBMITTING],
            remote_id=outcome.remote_id,
            started_at=timezone.now(),
            attempts=0,
            error_message="",
            lease_until=None,
            next_action_at=timezone.now() + timedelta(seconds=settings.STT_POLL_FIRST_DELAY),
        )
        if not moved:  # cancelled while the call was in flight: keep the id for the record
            Job.objects.filter(pk=job.pk).update(remote_id=outcome.remote_id)
    elif isinstance(outcome, Finished):
        record_result(job_id=job.pk, transcript=outcome.transcript)


def _poll(job: Job) -> None:
    provider = get_provider(job.provider)
    outcome = _step(job, lambda: provider.check(job), back_to=S.PROCESSING)
    if isinstance(outcome, Finished):
        record_result(job_id=job.pk, transcript=outcome.transcript)
    elif isinstance(outcome, Pending):
        release(
            job_id=job.pk,
            next_action_at=timezone.now() + timedelta(seconds=_poll_interval(job.polls)),
            polls=job.polls + 1,
            attempts=0,
            progress=outcome.progress,
        )


# --- Run to the end in the provider's cluster (the local engine) ----------------------------


class JobReports:
    """What a running provider tells the pipeline (``providers.base.JobEvents``), written here."""

    def __init__(self, *, job_id) -> None:
        self.job_id = job_id

    def progress(self, share: float) -> bool:
        return report_progress(job_id=self.job_id, progress=share)

    def audio_kept(self, *, name: str, size: int, content_type: str, filename: str) -> None:
        Job.objects.filter(pk=self.job_id).update(
            audio=name, size_bytes=size, content_type=content_type[:100], original_filename=filename[:255]
        )


def run_job(*, job_id) -> None:
    """Run a queued job to the end; the provider reports progress (which renews the lease)."""
    started = transition(
        job_id=job_id,
        to=S.PROCESSING,
        only_from=[S.QUEUED],
        started_at=timezone.now(),
        progress=0.0,
        lease_until=timezone.now() + timedelta(seconds=RUN_LEASE_SECONDS),
    )
    if not started:
        return
    job = Job.objects.select_related("team").get(pk=job_id)
    try:
        outcome = get_provider(job.provider).start(job, events=JobReports(job_id=job.pk))
    except ProviderError as error:
        fail_job(job_id=job.pk, code=error.code, message=error.message)
        return
    except Exception:
        log.exception("job %s crashed in its engine", job_id)
        fail_job(
            job_id=job.pk, code="engine_error", message="The local engine stopped unexpectedly; try again."
        )
        return
    if isinstance(outcome, Finished):
        record_result(job_id=job.pk, transcript=outcome.transcript)


def report_progress(*, job_id, progress: float, heartbeat_seconds: float = RUN_LEASE_SECONDS) -> bool:
    """Save progress and renew the lease; False once the job was cancelled (the engine stops)."""
    return bool(
        Job.objects.filter(pk=job_id, state=S.PROCESSING).update(
            progress=max(0.0, min(progress, 1.0)),
            lease_until=timezone.now() + timedelta(seconds=heartbeat_seconds),
        )
    )
