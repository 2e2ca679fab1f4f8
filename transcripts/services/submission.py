"""Creating jobs: every check happens before anything is stored, so bad input loses nothing.

``submit_job`` is the rule for one job (the form, the API and the compatible endpoints). The
Transcribe form sends several files and links at once through ``submit_batch``: what the items
share (team, model, options, key) is checked once, then each item goes through ``submit_job`` on
its own; a refused item is named in the answer and leaves nothing behind, the others are queued.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from ..audio import UnreadableAudio, probe_audio
from ..models import ApiToken, Job, Membership, Profile, ProviderKey, Role, Team
from ..providers import find_model, get_provider
from ..providers.base import ModelSpec, PermanentError
from ..providers.options import clean_options
from .dispatch import dispatch
from .keys import NoUsableKey, key_for_job
from .pipeline import deadline_for

log = logging.getLogger(__name__)

BATCH_LIMIT = 20  # files and links in one submission (Django refuses a request with over 100 files)
MAX_URL_LENGTH = 2000  # Job.source_url


class SubmissionError(ValidationError):
    """A user-facing refusal; ``message_dict`` maps form fields (or ``__all__``) to messages."""


def _refuse(field: str, message: str) -> SubmissionError:
    return SubmissionError({field: [message]})


def _title_for(*, title: str, upload: UploadedFile | None, url: str) -> str:
    if title.strip():
        return title.strip()[:200]
    if upload is not None:
        return PurePath(upload.name or "Recording").stem[:200] or "Recording"
    tail = PurePath(urlsplit(url).path).stem
    return (tail or urlsplit(url).hostname or "Recording")[:200]


def _check_upload(*, upload: UploadedFile, spec: ModelSpec) -> None:
    limit = min(settings.MAX_UPLOAD_BYTES, spec.extra.get("max_upload_bytes") or settings.MAX_UPLOAD_BYTES)
    if upload.size is not None and upload.size > limit:
        raise _refuse(
            "audio",
            f"This file is {filesizeformat(upload.size)}; "
            f"{spec.label} accepts files up to {filesizeformat(limit)}.",
        )
    if not upload.size:
        raise _refuse("audio", "This file is empty.")
    try:
        path = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else None
        probe_audio(path or upload.file)
    except UnreadableAudio as error:
        raise _refuse("audio", error.message) from error


def _check_url(*, url: str, spec: ModelSpec) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse("url", "Enter an http:// or https:// address of an audio file.")
    if len(url) > MAX_URL_LENGTH:
        raise _refuse("url", f"This address is {len(url):,} characters long; keep it to {MAX_URL_LENGTH:,}.")
    try:
        get_provider(spec.provider).check_url(url)
    except PermanentError as error:
        raise _refuse("url", error.message) from error
    return url


def _clean_options(*, spec: ModelSpec, options: dict[str, Any]) -> dict[str, Any]:
    try:
        return clean_options(spec=spec, raw=options)
    except ValidationError as error:  # callers (form view, API) catch SubmissionError only
        raise SubmissionError(error.message_dict) from error


def _shared_checks(
    *, user, team: Team, model_id: str, options: dict[str, Any] | None
) -> tuple[ModelSpec, dict[str, Any], ProviderKey | None]:
    """What every item of a request shares: the team, the model, its options, the key that pays."""
    role = (
        Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
        if team
        else None
    )
    if role is None:
        raise _refuse("__all__", "You are not a member of that team.")
    if role == Role.VIEWER:
        raise _refuse(
            "__all__", f"You are a viewer in {team.name}: switch to a team where you can add transcripts."
        )
    spec = find_model(model_id)
    if spec is None:
        raise _refuse("model", f"Unknown model “{model_id}”.")
    cleaned_options = _clean_options(spec=spec, options=options or {})
    try:
        key = key_for_job(user=user, team=team, provider=get_provider(spec.provider))
    except NoUsableKey as error:
        raise _refuse("model", error.message) from error
    return spec, cleaned_options, key


def submit_job(
    *,
    user,
    team: Team,
    model_id: str,
    options: dict[str, Any] | None = None,
    upload: UploadedFile | None = None,
    url: str = "",
    title: str = "",
    api_token: ApiToken | None = None,
) -> Job:
    """Validate a transcription request and queue it; raise ``SubmissionError`` and store nothing if bad."""
    if (upload is None) == (not url):
        raise _refuse("__all__", "Choose a file to upload or enter a URL — one of the two.")
    spec, cleaned_options, key = _shared_checks(user=user, team=team, model_id=model_id, options=options)
    if upload is not None:
        _check_upload(upload=upload, spec=spec)
    else:
        url = _check_url(url=url, spec=spec)

    now = timezone.now()
    job = Job(
        team=team,
        created_by=user,
        visibility=team.default_visibility,
        title=_title_for(title=title, upload=upload, url=url),
        source=Job.Source.UPLOAD if upload is not None else Job.Source.URL,
        source_url=url,
        original_filename=(upload.name or "")[:255] if upload is not None else "",
        size_bytes=upload.size if upload is not None else None,
        content_type=(getattr(upload, "content_type", "") or "")[:100] if upload is not None else "",
        provider=spec.provider,
        model=spec.id,
        options=cleaned_options,
        key=key,
        key_owner=key.owner_label if key else "",
        key_last4=key.last4 if key else "",
        api_token=api_token,
        created_at=now,
        deadline_at=deadline_for(provider=spec.provider),
        next_action_at=now,
    )
    if upload is not None:
        job.audio.save(upload.name or "audio", upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            Profile.objects.update_or_create(
                user=user, defaults={"last_model": spec.id, "last_options": cleaned_options}
            )
            dispatch(job_id=job.pk, provider=job.provider)
    except Exception:
        if job.audio:
            job.audio.storage.delete(job.audio.name)
        raise
    return job


# --- Several files and links at once ----------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """One item of a batch that was not queued, and why."""

    item: str  # how the person knows it: "notes.txt", "line 3 (ftp://example.com/a.mp3)"
    field: str  # where the form shows it: "audio" (files) or "urls" (links)
    message: str
    url: str = ""  # a refused link as typed, so it can be offered again

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


@dataclass
class BatchResult:
    jobs: list[Job] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


BROKEN = "It could not be queued because of a problem on our side; try it again in a moment."


@dataclass(frozen=True)
class _Item:
    name: str
    field: str
    upload: UploadedFile | None = None
    url: str = ""
    line: int = 0

    def refused(self, message: str) -> Refusal:
        return Refusal(self.name, self.field, message, self.url)


def _shown_url(url: str, limit: int = 60) -> str:
    return url if len(url) <= limit else f"{url[: limit - 1]}…"


def submit_batch(
    *,
    user,
    team: Team,
    model_id: str,
    options: dict[str, Any] | None = None,
    uploads: Sequence[UploadedFile] = (),
    urls: Sequence[str] = (),
    title: str = "",
) -> BatchResult:
    """Queue one job per file and per link; refuse each bad item on its own.

    ``urls`` are the lines of the links box as typed (blank lines are skipped but counted, so a
    refusal can say "line 3"). What the items share is checked once and refuses the whole request
    with ``SubmissionError``, as does an empty or too large batch: then nothing is stored. Each
    item then goes through ``submit_job``; a refused item is returned in ``refused`` (named, with
    the reason) and leaves nothing behind, the others are queued. ``title`` names a single item;
    several items keep their own names.
    """
    links = [(number, line.strip()) for number, line in enumerate(urls, start=1) if line.strip()]
    count = len(uploads) + len(links)
    if not count:
        raise _refuse("__all__", "Choose files to upload or paste links — at least one of the two.")
    if count > BATCH_LIMIT:
        raise _refuse(
            "__all__",
            f"That is {count} recordings; send up to {BATCH_LIMIT} at a time (the rest can follow "
            "in a second batch).",
        )
    _shared_checks(user=user, team=team, model_id=model_id, options=options)

    result = BatchResult()
    one_title = title if count == 1 else ""
    items = [_Item(upload.name or "file", "audio", upload=upload) for upload in uploads]
    items += [
        _Item(f"line {number} ({_shown_url(url)})", "urls", url=url, line=number) for number, url in links
    ]
    first_line: dict[str, int] = {}
    for item in items:
        if item.url and first_line.setdefault(item.url, item.line) != item.line:
            result.refused.append(
                item.refused(f"The same link is on line {first_line[item.url]}; it is queued once.")
            )
            continue
        try:
            job = submit_job(
                user=user,
                team=team,
                model_id=model_id,
                options=options,
                upload=item.upload,
                url=item.url,
                title=one_title,
            )
        except SubmissionError as error:
            result.refused.append(item.refused(" ".join(m for ms in error.message_dict.values() for m in ms)))
        except Exception:  # the broker or the database failed: this item is not queued, say so
            log.exception("queueing %s of a batch failed", item.name)
            result.refused.append(item.refused(BROKEN))
        else:
            result.jobs.append(job)
    return result
