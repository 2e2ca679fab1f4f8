"""Creating a job: every check happens before anything is stored, so bad input loses nothing."""

from __future__ import annotations

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
from ..models import ApiToken, Job, Membership, Profile, Team
from ..providers import find_model, get_provider
from ..providers.base import ModelSpec, PermanentError
from ..providers.options import clean_options
from .dispatch import dispatch
from .keys import NoUsableKey, key_for_job
from .pipeline import deadline_for


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
    if not Membership.objects.filter(team=team, user=user).exists():
        raise _refuse("__all__", "You are not a member of that team.")
    spec = find_model(model_id)
    if spec is None:
        raise _refuse("model", f"Unknown model “{model_id}”.")
    if (upload is None) == (not url):
        raise _refuse("__all__", "Choose a file to upload or enter a URL — one of the two.")
    cleaned_options = _clean_options(spec=spec, options=options or {})

    try:
        key = key_for_job(user=user, team=team, provider=get_provider(spec.provider))
    except NoUsableKey as error:
        raise _refuse("model", error.message) from error
    if upload is not None:
        _check_upload(upload=upload, spec=spec)
    else:
        url = _check_url(url=url, spec=spec)

    now = timezone.now()
    job = Job(
        team=team,
        created_by=user,
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
