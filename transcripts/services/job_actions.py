"""What people do to jobs besides running them: rename, delete, move to another team, and
choose who in the team sees them.

Who may is the permissions table (``services.permissions``). Refusals raise ``JobActionRefused``
with a message for the person who clicked. Bulk actions act on what they may and report the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Job, Membership, Role, Team, Visibility
from ..models.jobs import ACTIVE_STATES
from ..search import index_job
from .permissions import REFUSALS, Action, can
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
    """Delete or move: the job's creator, or an owner or admin of its team (the table says so)."""
    return can(user=user, action=Action.DELETE, job=job)


def rename_job(*, job: Job, title: str, by) -> Job:
    if not can(user=by, action=Action.RENAME, job=job):
        raise JobActionRefused(REFUSALS[Action.RENAME])
    title = " ".join((title or "").split())
    if not title:
        raise JobActionRefused("Give the transcript a title.")
    if len(title) > MAX_TITLE:
        raise JobActionRefused(f"A title can be up to {MAX_TITLE} characters.")
    Job.objects.filter(pk=job.pk).update(title=title)
    index_job(job_id=job.pk)
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
    role = Membership.objects.filter(team=team, user=by).values_list("role", flat=True).first()
    if role is None:
        raise JobActionRefused("You can only move transcripts to a team you belong to.")
    if role == Role.VIEWER:
        raise JobActionRefused(f"You are a viewer in {team.name}: you cannot add transcripts to it.")
    result = BulkResult()
    for job in jobs:
        if job.team_id == team.pk:
            continue
        (result.done if can(user=by, action=Action.MOVE, job=job) else result.refused).append(job)
    Job.objects.filter(pk__in=[job.pk for job in result.done]).update(team=team)
    for job in result.done:
        job.team = team
    return result


def move_job(*, job: Job, team: Team, by) -> None:
    if move_jobs(jobs=[job], team=team, by=by).refused:
        raise JobActionRefused("Only the person who made it or the team's owners and admins can move it.")


def set_visibility(*, job: Job, visibility: str, by) -> Job:
    """Private to its creator, or the whole team: the creator's choice."""
    if not can(user=by, action=Action.VISIBILITY, job=job):
        raise JobActionRefused(REFUSALS[Action.VISIBILITY])
    if visibility not in Visibility.values:
        raise JobActionRefused("Choose who sees it.")
    Job.objects.filter(pk=job.pk).update(visibility=visibility)
    job.visibility = visibility
    return job
