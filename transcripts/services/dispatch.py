"""Handing queued jobs to the workers that run their provider.

The lowest of the job services: it imports only models, the provider registry and django-q2, so
the pipeline, the poller and the sweep can all use it without importing one another in a circle.

- A remote provider's jobs are advanced by the one poller run (``transcripts.tasks.run_poller``):
  dispatching makes sure one is going.
- Any other provider's job is one task on the provider's own cluster (the inference cluster for
  the local engine), run to the end by ``transcripts.tasks.run_job``.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from ..models import Job, JobState, Lease
from ..providers import get_provider, provider_names

POLLER_LEASE = "cloud-poller"
#: How long a dispatched run-to-the-end task may sit unclaimed before the sweep sends it again.
REDISPATCH_AFTER = timedelta(minutes=10)


def remote_jobs_in_flight() -> QuerySet[Job]:
    """Jobs the poller still has to advance: queued for their create call, or being polled."""
    return Job.objects.filter(
        provider__in=provider_names(remote=True), state__in=[JobState.QUEUED, JobState.PROCESSING]
    )


def ensure_poller() -> None:
    """Start a poller run unless one holds the lease."""
    if Lease.objects.filter(name=POLLER_LEASE, until__gt=timezone.now()).exists():
        return
    async_task("transcripts.tasks.run_poller")


def dispatch(*, job_id, provider: str) -> None:
    """Hand a queued job to the workers of its provider (after the current transaction commits)."""
    runner = get_provider(provider)
    if runner.remote:
        transaction.on_commit(ensure_poller)
        return
    Job.objects.filter(pk=job_id).update(next_action_at=timezone.now() + REDISPATCH_AFTER)
    task_options = {"cluster": runner.cluster} if runner.cluster else {}
    transaction.on_commit(lambda: async_task("transcripts.tasks.run_job", str(job_id), **task_options))
