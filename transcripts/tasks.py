"""django-q2 task entry points. Each only calls a service function; the rules live there.

Task arguments are job ids only: never a key, a token or a file's contents.
"""

from __future__ import annotations

from .services import pipeline, poller


def run_poller() -> int:
    return poller.run_poller()


def run_local_job(job_id: str) -> None:
    pipeline.run_local_job(job_id=job_id)


def sweep_jobs() -> dict[str, int]:
    return pipeline.sweep_jobs()
