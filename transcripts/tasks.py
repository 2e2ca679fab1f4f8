"""django-q2 task entry points. Each only calls a service function; the rules live there.

Task arguments are job ids only: never a key, a token or a file's contents.
"""

from __future__ import annotations

from .services import pipeline, poller, sweep


def run_poller() -> int:
    return poller.run_poller()


def run_job(job_id: str) -> None:
    pipeline.run_job(job_id=job_id)


# Tasks queued under the old name before an upgrade still run.
run_local_job = run_job


def sweep_jobs() -> dict[str, int]:
    return sweep.sweep_jobs()
