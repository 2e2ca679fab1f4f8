"""How long a job has been running and about how long it has left, for its status card.

The estimate comes from the job's progress and the time since a worker started it: the local
engine's progress is real where the engine reports it and paced by the model's measured speed in
between (``providers/local.py``), so "elapsed × (1 − progress) / progress" is a fair guess once a
few per cent are done. Nothing is stored: the card computes it on every poll.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ..models import Job, JobState

MIN_PROGRESS = 0.05  # below this, a guess would swing wildly
MIN_ELAPSED = 3.0  # seconds


def duration_label(seconds: float) -> str:
    """12 s · 1 min 05 s · 1 h 02 min."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _remaining_label(seconds: float) -> str:
    if seconds < 10:
        return "a few seconds left"
    if seconds < 60:
        return f"about {math.ceil(seconds / 5) * 5} s left"
    if seconds < 3600:
        return f"about {math.ceil(seconds / 60)} min left"
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"about {hours} h {minutes:02d} min left"


@dataclass(frozen=True)
class JobTiming:
    elapsed_seconds: float | None  # since a worker started it (None before)
    remaining_seconds: float | None  # an estimate; None while there is too little to go on

    @property
    def elapsed_label(self) -> str:
        return "" if self.elapsed_seconds is None else f"{duration_label(self.elapsed_seconds)} elapsed"

    @property
    def remaining_label(self) -> str:
        return "" if self.remaining_seconds is None else _remaining_label(self.remaining_seconds)

    @property
    def label(self) -> str:
        """ "1 min 05 s elapsed · about 20 s left", or the part there is."""
        return " · ".join(part for part in (self.elapsed_label, self.remaining_label) if part)


def job_timing(*, job: Job, now: datetime | None = None) -> JobTiming:
    """Elapsed time and an estimate of the rest, for a job being processed (empty otherwise)."""
    if job.state != JobState.PROCESSING or job.started_at is None:
        return JobTiming(None, None)
    elapsed = max(((now or timezone.now()) - job.started_at).total_seconds(), 0.0)
    progress = job.progress or 0.0
    remaining = None
    if progress >= MIN_PROGRESS and elapsed >= MIN_ELAPSED and progress < 1:
        remaining = elapsed * (1 - progress) / progress
    return JobTiming(elapsed, remaining)
