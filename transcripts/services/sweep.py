"""The sweep: a django-q2 schedule (every minute) that settles what dead workers and lost tasks
left behind. Safe to run anywhere, any time: every change it makes is a state-machine transition.

- A job stuck ``submitting`` past the create window: the create call's outcome is unknown, so it
  fails with a Retry button (the user decides to pay twice), never a silent second create.
- A run-to-the-end job whose lease lapsed (its worker died): run once more, then fail.
- A queued run-to-the-end job never picked up (a task lost with a Redis broker): dispatched again.
- A remote job past its deadline fails; any remote job still in flight gets a poller run.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ..models import Job, JobState
from ..providers import provider_names
from ..providers.base import OutcomeUnknown
from .dispatch import dispatch, ensure_poller, remote_jobs_in_flight
from .lifecycle import transition
from .pipeline import STEP_LEASE_SECONDS, fail_job

S = JobState
UNKNOWN_OUTCOME = (
    "The worker stopped while sending this job to the provider, so we cannot tell whether a "
    "paid generation was created. Retry to send it again."
)


def sweep_jobs() -> dict[str, int]:
    """Resume or settle what dead workers and lost tasks left behind; counts of each, by kind."""
    now = timezone.now()
    counts = {"unknown_outcome": 0, "requeued_local": 0, "redispatched_local": 0, "deadline": 0}
    create_window = timedelta(
        seconds=settings.AIMLAPI_CONNECT_TIMEOUT + settings.AIMLAPI_UPLOAD_READ_TIMEOUT + STEP_LEASE_SECONDS
    )
    stuck_submitting = Job.objects.filter(state=S.SUBMITTING, submitted_at__lt=now - create_window)
    for job_id in stuck_submitting.values_list("pk", flat=True):
        counts["unknown_outcome"] += fail_job(
            job_id=job_id, code=OutcomeUnknown.code, message=UNKNOWN_OUTCOME
        )

    run_to_end = Job.objects.filter(provider__in=provider_names(remote=False))
    for job in run_to_end.filter(state=S.PROCESSING, lease_until__lt=now):
        if job.attempts >= 1:
            counts["requeued_local"] += fail_job(
                job_id=job.pk, code="engine_error", message="The local engine stopped twice on this file."
            )
        elif transition(job_id=job.pk, to=S.QUEUED, only_from=[S.PROCESSING], attempts=job.attempts + 1):
            dispatch(job_id=job.pk, provider=job.provider)
            counts["requeued_local"] += 1
    for job_id, provider in run_to_end.filter(state=S.QUEUED, next_action_at__lt=now).values_list(
        "pk", "provider"
    ):
        dispatch(job_id=job_id, provider=provider)
        counts["redispatched_local"] += 1

    for job_id in remote_jobs_in_flight().filter(deadline_at__lt=now).values_list("pk", flat=True):
        counts["deadline"] += fail_job(
            job_id=job_id, code="deadline", message="The transcription did not finish before its deadline."
        )
    if remote_jobs_in_flight().exists():
        ensure_poller()
    if connection.vendor == "sqlite":
        # SQLite keeps no planner statistics unless asked; without them the list sorts every job.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
    return counts
