"""The one job state machine.

    queued ──► submitting ──► processing ──► completed
      │  ▲          │  (transient error before the call reached the vendor: back to queued)
      │  └──────────┘
      └──────► processing   (local engine: no remote submission)
    any active state ──► failed | cancelled;   failed | cancelled ──► queued (user retry)

Every transition is one conditional UPDATE (``WHERE state IN allowed-sources``), so two workers,
a redelivered task, the sweep and a user's cancel can race and exactly one of them wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ..models import Job, JobState

S = JobState
TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.SUBMITTING, S.PROCESSING, S.FAILED, S.CANCELLED}),
    S.SUBMITTING: frozenset({S.PROCESSING, S.QUEUED, S.COMPLETED, S.FAILED, S.CANCELLED}),
    S.PROCESSING: frozenset({S.COMPLETED, S.FAILED, S.CANCELLED, S.QUEUED}),
    S.FAILED: frozenset({S.QUEUED}),
    S.CANCELLED: frozenset({S.QUEUED}),
    S.COMPLETED: frozenset(),
}


class IllegalTransition(ValueError):
    pass


def sources_of(target: str) -> list[str]:
    return [source for source, targets in TRANSITIONS.items() if target in targets]


def transition(*, job_id, to: str, only_from: Iterable[str] | None = None, **fields: Any) -> bool:
    """Move a job to ``to`` if it is in a state allowed to go there; return whether it moved.

    ``only_from`` narrows the allowed sources (e.g. a poll result may only complete a job that is
    still PROCESSING). ``fields`` are written in the same UPDATE.
    """
    allowed = sources_of(to)
    if only_from is not None:
        narrowed = [state for state in only_from if state in allowed]
        if not narrowed:
            raise IllegalTransition(f"no transition from {list(only_from)} to {to}")
        allowed = narrowed
    if to in (S.COMPLETED, S.FAILED, S.CANCELLED):
        fields.setdefault("finished_at", timezone.now())
        fields.setdefault("next_action_at", None)
        fields.setdefault("lease_until", None)
    return Job.objects.filter(pk=job_id, state__in=allowed).update(state=to, **fields) == 1


def claim(*, job_id, states: Iterable[str], seconds: float) -> Job | None:
    """Take a short lease on a job so only one worker acts on it; None if another holds it."""
    now = timezone.now()
    taken = (
        Job.objects.filter(pk=job_id, state__in=list(states))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=seconds))
    )
    if not taken:
        return None
    return Job.objects.select_related("key", "team").get(pk=job_id)


def release(*, job_id, next_action_at: datetime | None = None, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(lease_until=None, next_action_at=next_action_at, **fields)
