"""Driving jobs through the state machine: the rules every task and view calls.

Cloud jobs are advanced by one poller run at a time (``run_poller``): it loops over the jobs
whose ``next_action_at`` is due and advances each on a small thread pool — one create call or one
poll — so hundreds of in-flight jobs share one worker and nobody sleeps per job. Local jobs run
to the end in the inference cluster (``run_local_job``). ``sweep_jobs`` (scheduled every minute)
finds what a dead worker or a lost Redis task left behind.
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
    OutcomeUnknown,
    Pending,
    ProviderError,
    Submitted,
    TransientError,
)
from .lifecycle import claim, release, transition

log = logging.getLogger(__name__)
S = JobState
STEP_LEASE_SECONDS = 30


# --- Outcomes shared by both providers ------------------------------------------------------


def record_result(*, job_id, transcript: NormalisedTranscript) -> bool:
    """Store the transcript and complete the job; False if it was cancelled or failed meanwhile."""
    with transaction.atomic():
        if not transition(
            job_id=job_id, to=S.COMPLETED, only_from=[S.PROCESSING, S.SUBMITTING], progress=1.0
        ):
            return False
        Transcript.objects.update_or_create(job_id=job_id, defaults=transcript.as_model_fields())
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


def retry_job(*, job: Job) -> bool:
    """Run a failed or cancelled job again from the start (a new remote generation for cloud jobs)."""
    moved = transition(
        job_id=job.pk,
        to=S.QUEUED,
        only_from=[S.FAILED, S.CANCELLED],
        error_code="",
        error_message="",
        remote_id="",
        attempts=0,
        polls=0,
        progress=None,
        submitted_at=None,
        started_at=None,
        finished_at=None,
        deadline_at=timezone.now() + timedelta(seconds=settings.STT_JOB_DEADLINE_SECONDS),
        next_action_at=timezone.now(),
    )
    if moved:
        dispatch(job_id=job.pk, provider=job.provider)
    return moved


def dispatch(*, job_id, provider: str) -> None:
    """Hand a queued job to the workers that run its provider (after the current transaction)."""
    from django_q.tasks import async_task

    if provider == Job.Provider.LOCAL:
        Job.objects.filter(pk=job_id).update(next_action_at=timezone.now() + timedelta(minutes=10))
        transaction.on_commit(
            lambda: async_task(
                "transcripts.tasks.run_local_job", str(job_id), cluster=settings.INFERENCE_CLUSTER
            )
        )
    else:
        from .poller import ensure_poller

        transaction.on_commit(ensure_poller)


# --- Cloud: one step per job ----------------------------------------------------------------


def _backoff_seconds(attempt: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(max(retry_after, 1.0), 300.0)
    return min(60.0, 2.0 * 2**attempt) * random.uniform(0.5, 1.0)  # full jitter on the upper half


def _poll_interval(polls: int) -> float:
    return min(settings.STT_POLL_MAX_INTERVAL, settings.STT_POLL_FIRST_DELAY * 1.5**polls)


def _fail_for_error(job: Job, error: ProviderError) -> None:
    if isinstance(error, KeyRejected) and job.key_id:
        from .keys import mark_key_invalid

        mark_key_invalid(key_id=job.key_id, message=error.message)
    fail_job(job_id=job.pk, code=error.code, message=error.message)


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
    try:
        outcome = provider.start(job)
    except TransientError as error:
        _retry_or_fail(job, error, back_to=S.QUEUED)
        return
    except OutcomeUnknown as error:
        fail_job(job_id=job.pk, code=error.code, message=error.message)
        return
    except ProviderError as error:
        _fail_for_error(job, error)
        return
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
    try:
        outcome = provider.check(job)
    except TransientError as error:
        _retry_or_fail(job, error, back_to=S.PROCESSING)
        return
    except ProviderError as error:
        _fail_for_error(job, error)
        return
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


# --- Local: run to the end in the inference cluster -----------------------------------------


def run_local_job(*, job_id) -> None:
    """Transcribe a queued local job; the provider reports progress (and renews the lease)."""
    started = transition(
        job_id=job_id,
        to=S.PROCESSING,
        only_from=[S.QUEUED],
        started_at=timezone.now(),
        progress=0.0,
        lease_until=timezone.now() + timedelta(seconds=120),
    )
    if not started:
        return
    job = Job.objects.select_related("team").get(pk=job_id)
    try:
        outcome = get_provider(job.provider).start(job)
    except ProviderError as error:
        fail_job(job_id=job.pk, code=error.code, message=error.message)
        return
    except Exception:
        log.exception("local job %s crashed", job_id)
        fail_job(
            job_id=job.pk, code="engine_error", message="The local engine stopped unexpectedly; try again."
        )
        return
    if isinstance(outcome, Finished):
        record_result(job_id=job.pk, transcript=outcome.transcript)


def report_progress(*, job_id, progress: float, heartbeat_seconds: float = 120) -> bool:
    """Save progress and renew the lease; False once the job was cancelled (the engine stops)."""
    return bool(
        Job.objects.filter(pk=job_id, state=S.PROCESSING).update(
            progress=max(0.0, min(progress, 1.0)),
            lease_until=timezone.now() + timedelta(seconds=heartbeat_seconds),
        )
    )


# --- The sweep ------------------------------------------------------------------------------


def sweep_jobs() -> dict[str, int]:
    """Resume or settle what dead workers and lost tasks left behind. Safe to run anywhere, any time."""
    now = timezone.now()
    counts = {"unknown_outcome": 0, "requeued_local": 0, "redispatched_local": 0, "deadline": 0}
    create_window = timedelta(
        seconds=settings.AIMLAPI_CONNECT_TIMEOUT + settings.AIMLAPI_UPLOAD_READ_TIMEOUT + STEP_LEASE_SECONDS
    )
    stuck_submitting = Job.objects.filter(state=S.SUBMITTING, submitted_at__lt=now - create_window)
    for job_id in stuck_submitting.values_list("pk", flat=True):
        counts["unknown_outcome"] += fail_job(
            job_id=job_id,
            code=OutcomeUnknown.code,
            message=(
                "The worker stopped while sending this job to the provider, so we cannot tell whether a "
                "paid generation was created. Retry to send it again."
            ),
        )
    local = Job.objects.filter(provider=Job.Provider.LOCAL)
    for job in local.filter(state=S.PROCESSING, lease_until__lt=now):
        if job.attempts >= 1:
            counts["requeued_local"] += fail_job(
                job_id=job.pk, code="engine_error", message="The local engine stopped twice on this file."
            )
        elif transition(job_id=job.pk, to=S.QUEUED, only_from=[S.PROCESSING], attempts=job.attempts + 1):
            dispatch(job_id=job.pk, provider=job.provider)
            counts["requeued_local"] += 1
    for job_id in local.filter(state=S.QUEUED, next_action_at__lt=now).values_list("pk", flat=True):
        dispatch(job_id=job_id, provider=Job.Provider.LOCAL)
        counts["redispatched_local"] += 1
    from .poller import cloud_jobs_in_flight, ensure_poller

    cloud_overdue = cloud_jobs_in_flight().filter(deadline_at__lt=now)
    for job_id in cloud_overdue.values_list("pk", flat=True):
        counts["deadline"] += fail_job(
            job_id=job_id, code="deadline", message="The transcription did not finish before its deadline."
        )
    if cloud_jobs_in_flight().exists():
        ensure_poller()
    return counts
