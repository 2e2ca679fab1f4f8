"""What people do to jobs besides running them: rename, delete, move to another team.

Who may: anyone who can see a job (``visible_to``) may rename it; deleting or moving it is for
whoever made it and for the team's owners and admins. Refusals raise ``JobActionRefused``
with a message for the person who clicked. Bulk actions act on what they may and report the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Job, Membership, Team
from ..models.jobs import ACTIVE_STATES
from ..models.teams import MANAGER_ROLES
from .pipeline import cancel_job

log = logging.getLogger(__name__)
MAX_TITLE = 200


class JobActionRefused(ValidationError):
    """A user-facing refusal."""


@dataclass
class BulkResult:
    done: list[Job] = field(default_factory=list)
    refused: list[Job] = field(default_factory=list)


def may_manage(*, user, job: Job) -> bool:
    """Delete or move: the job's creator, or an owner or admin of its team."""
    if job.created_by_id == user.pk:
        return True
    return Membership.objects.filter(team_id=job.team_id, user=user, role__in=MANAGER_ROLES).exists()


def rename_job(*, job: Job, title: str, by) -> Job:
    title = " ".join((title or "").split())
    if not title:
        raise JobActionRefused("Give the transcript a title.")
    if len(title) > MAX_TITLE:
        raise JobActionRefused(f"A title can be up to {MAX_TITLE} characters.")
    Job.objects.filter(pk=job.pk).update(title=title)
    job.title = title
    log.info("job %s renamed by %s", job.pk, by)
    return job


def _delete_audio_after_commit(names: list[str], storage) -> None:
    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                log.warning("could not delete audio %s", name)

    transaction.on_commit(delete)


@transaction.atomic
def delete_jobs(*, jobs: Iterable[Job], by) -> BulkResult:
    """Delete each job the user may (cancelling it first if it is still running) and its audio."""
    result = BulkResult()
    audio: list[str] = []
    storage = None
    for job in jobs:
        if not may_manage(user=by, job=job):
            result.refused.append(job)
            continue
        if job.state in ACTIVE_STATES:
            cancel_job(job=job)  # a worker still on it finds the job gone or cancelled and stops
        if job.audio:
            audio.append(job.audio.name)
            storage = job.audio.storage
        result.done.append(job)
    Job.objects.filter(pk__in=[job.pk for job in result.done]).delete()
    if audio and storage is not None:
        _delete_audio_after_commit(audio, storage)
    log.info("%s deleted %d job(s)", by, len(result.done))
    return result


def delete_job(*, job: Job, by) -> None:
    if delete_jobs(jobs=[job], by=by).refused:
        raise JobActionRefused("Only the person who made it or the team's owners and admins can delete it.")


@transaction.atomic
def move_jobs(*, jobs: Iterable[Job], team: Team, by) -> BulkResult:
    """Move jobs to ``team`` (the user must be a member of it and may manage each job)."""
    if not Membership.objects.filter(team=team, user=by).exists():
        raise JobActionRefused("You can only move transcripts to a team you belong to.")
    result = BulkResult()
    for job in jobs:
        if job.team_id == team.pk:
            continue
        (result.done if may_manage(user=by, job=job) else result.refused).append(job)
    Job.objects.filter(pk__in=[job.pk for job in result.done]).update(team=team)
    for job in result.done:
        job.team = team
    return result


def move_job(*, job: Job, team: Team, by) -> None:
    if move_jobs(jobs=[job], team=team, by=by).refused:
        raise JobActionRefused("Only the person who made it or the team's owners and admins can move it.")
