"""Small builders for jobs in a given state, for tests that do not need a real engine run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from transcripts.models import Job, JobState, Transcript


def make_job(*, team, user, state: str = JobState.QUEUED, provider: str = "local", **fields: Any) -> Job:
    defaults: dict[str, Any] = {
        "title": "Board meeting",
        "source": Job.Source.URL,
        "source_url": "https://example.com/board.mp3",
        "provider": provider,
        "model": "local/whisper-tiny.en" if provider == "local" else "#g1_nova-2-general",
        "next_action_at": timezone.now(),
        "deadline_at": timezone.now() + timedelta(minutes=10) if provider == "cloud" else None,
    }
    defaults.update(fields)
    return Job.objects.create(team=team, created_by=user, state=state, **defaults)


def make_completed_job(
    *, team, user, text: str = "Ask not what your country can do for you.", **fields
) -> Job:
    job = make_job(team=team, user=user, state=JobState.COMPLETED, finished_at=timezone.now(), **fields)
    Transcript.objects.create(
        job=job,
        text=text,
        language="en",
        duration=11.0,
        segments=[{"start": 0.0, "end": 11.0, "text": text, "speaker": None, "channel": 0}],
        words=[],
    )
    return job
