"""The cloud poller: one run at a time advances every due remote job on a small thread pool.

Nothing imports this module but ``transcripts.tasks``: it sits above the pipeline (whose
``advance_job`` it calls) and ``dispatch`` (which starts runs of it by task name).

A run holds a short ``Lease`` that it renews on every loop; a worker killed mid-run stops
renewing, the lease lapses within ``STT_POLLER_LEASE_SECONDS`` and the next ``ensure_poller``
(from a submission or the minute sweep) starts a new run. Two runs overlapping is harmless: each
job step takes its own job lease, and the create call is guarded by the state machine.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Min, Q
from django.utils import timezone

from ..models import Lease
from .dispatch import POLLER_LEASE, ensure_poller, remote_jobs_in_flight
from .lifecycle import release
from .pipeline import advance_job

log = logging.getLogger(__name__)


def _take_lease(*, holder: str, seconds: float) -> bool:
    Lease.objects.get_or_create(name=POLLER_LEASE)
    now = timezone.now()
    free = Lease.objects.filter(name=POLLER_LEASE).filter(Q(until__isnull=True) | Q(until__lt=now))
    return free.update(until=now + timedelta(seconds=seconds), holder=holder) == 1


def _renew_lease(*, holder: str, seconds: float) -> bool:
    until = timezone.now() + timedelta(seconds=seconds)
    return Lease.objects.filter(name=POLLER_LEASE, holder=holder).update(until=until) == 1


def _advance_quietly(job_id) -> None:
    try:
        advance_job(job_id=job_id)
    except Exception:  # one broken job must not stop the poller for everyone else
        log.exception("advancing job %s failed", job_id)
        release(job_id=job_id, next_action_at=timezone.now() + timedelta(seconds=30))
    finally:
        close_old_connections()


def _close_pool_connections(pool: ThreadPoolExecutor, threads: int) -> None:
    """Close every pool thread's DB connection before the threads end.

    A finished thread's connection is otherwise only closed when the garbage collector gets to it:
    on PostgreSQL each poller run would leave up to STT_POLLER_THREADS sessions open.
    """
    barrier = threading.Barrier(threads)

    def close(_) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)  # holds each thread until all have one task: one per thread
        connections.close_all()

    list(pool.map(close, range(threads)))


def _due_job_ids(limit: int) -> list:
    now = timezone.now()
    return list(
        remote_jobs_in_flight()
        .filter(next_action_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_action_at")
        .values_list("pk", flat=True)[:limit]
    )


def run_poller(*, run_seconds: float | None = None) -> int:
    """Advance due cloud jobs until none is in flight or ``run_seconds`` pass; return steps taken."""
    run_seconds = run_seconds if run_seconds is not None else settings.STT_POLLER_RUN_SECONDS
    lease_seconds = settings.STT_POLLER_LEASE_SECONDS
    # "run@host:pid": operators (and the test that kills it) find the worker; "run" tells runs apart.
    holder = f"{secrets.token_hex(3)}@{socket.gethostname()}:{os.getpid()}"
    if not _take_lease(holder=holder, seconds=lease_seconds):
        return 0
    steps = 0
    threads = settings.STT_POLLER_THREADS
    stop_at = time.monotonic() + run_seconds
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="poll") as pool:
            while time.monotonic() < stop_at and _renew_lease(holder=holder, seconds=lease_seconds):
                due = _due_job_ids(threads * 8)
                if due:
                    list(pool.map(_advance_quietly, due))
                    steps += len(due)
                    continue
                next_due = remote_jobs_in_flight().aggregate(next=Min("next_action_at"))["next"]
                if next_due is None and not remote_jobs_in_flight().exists():
                    break
                wait = 0.5 if next_due is None else (next_due - timezone.now()).total_seconds()
                time.sleep(min(max(wait, 0.05), 0.5, max(stop_at - time.monotonic(), 0)))
            _close_pool_connections(pool, threads)
    finally:
        Lease.objects.filter(name=POLLER_LEASE, holder=holder).update(until=None)
    if remote_jobs_in_flight().exists():
        ensure_poller()  # chain the next run instead of holding one worker forever
    return steps
