"""CloudProvider: transcription through the AI/ML API (create once, then poll).

``start(job, events=...)`` makes the job's single create call and returns ``Submitted(generation_id)``;
``check(job)`` reads the generation once and returns ``Pending`` or ``Finished``. Errors are the
``ProviderError`` family (mapping in ``aimlapi_client``); the pipeline decides what to do next.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from .. import crypto
from ..normalise import UnknownShape, normalise_result
from .aimlapi_client import ClientConfig, Upload, create_generation, get_generation
from .base import (
    Finished,
    JobEvents,
    ModelSpec,
    Pending,
    PermanentError,
    Provider,
    Submitted,
    TransientError,
)
from .catalogue import CLOUD_MODELS, find_cloud_model

if TYPE_CHECKING:
    from ..models import Job

FAILED_STATUSES = frozenset({"error", "failed", "failure", "cancelled", "canceled", "timeout", "expired"})
DONE_STATUSES = frozenset({"completed", "complete", "succeeded", "success", "done"})
KEY_REMOVED = (
    "The API key this job was sent with has been removed. Add a key in Settings, then retry the job."
)
KEY_UNREADABLE = (
    "The stored API key cannot be decrypted with this server's encryption keys. Enter the key again "
    "in Settings, then retry the job."
)


def _failure_message(error: Any) -> str:
    message = (error.get("message") or error.get("name")) if isinstance(error, dict) else error
    text = str(message).strip()[:500] if message else ""
    return (
        f"The provider could not transcribe this audio: {text}"
        if text
        else ("The provider could not transcribe this audio (it gave no reason).")
    )


class CloudProvider(Provider):
    name = "cloud"
    label = "AI/ML API"
    remote = True
    needs_key = True

    def models(self) -> list[ModelSpec]:
        return list(CLOUD_MODELS)

    @staticmethod
    def _secret(job: Job) -> str:
        if job.key_id is None:
            raise PermanentError(KEY_REMOVED, code="key_removed")
        try:
            return crypto.reveal(job.key)
        except crypto.InvalidToken:
            raise PermanentError(KEY_UNREADABLE, code="key_unreadable") from None

    @staticmethod
    def _spec(job: Job) -> ModelSpec:
        spec = find_cloud_model(job.model)
        if spec is None:
            raise PermanentError(f"The model “{job.model}” is no longer offered.", code="unknown_model")
        return spec

    def start(self, job: Job, *, events: JobEvents) -> Submitted:
        spec = self._spec(job)
        secret = self._secret(job)
        config = ClientConfig.from_settings()
        options = dict(job.options or {})
        if job.source == "url":
            remote_id = create_generation(
                config=config, api_key=secret, model=spec.id, options=options, url=job.source_url
            )
            return Submitted(remote_id)
        if not job.audio:
            raise PermanentError("The uploaded audio file is missing.", code="audio_missing")
        filename = job.original_filename or PurePath(job.audio.name).name
        content_type = job.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        try:
            handle = job.audio.storage.open(job.audio.name, "rb")
        except FileNotFoundError:
            raise PermanentError("The uploaded audio file is missing.", code="audio_missing") from None
        with handle:
            remote_id = create_generation(
                config=config,
                api_key=secret,
                model=spec.id,
                options=options,
                upload=Upload(spec.upload_field, filename, handle, content_type),
            )
        return Submitted(remote_id)

    def check(self, job: Job) -> Pending | Finished:
        spec = self._spec(job)
        envelope = get_generation(
            config=ClientConfig.from_settings(), api_key=self._secret(job), generation_id=job.remote_id
        )
        status = str(envelope.get("status") or "").strip().lower()
        payload = envelope["result"] if envelope.get("result") is not None else envelope.get("output")
        error = envelope.get("error")
        if status in FAILED_STATUSES or (error and status not in DONE_STATUSES):
            raise PermanentError(_failure_message(error), code="provider_failed")
        if status not in DONE_STATUSES:
            return Pending(status=status or "unknown")
        if not isinstance(payload, dict) or not payload:
            raise TransientError("The provider reported the job complete but sent no result yet.")
        # AssemblyAI results carry their own status (and error) inside the payload.
        if str(payload.get("status", "")).lower() == "error":
            raise PermanentError(_failure_message(payload.get("error")), code="provider_failed")
        try:
            return Finished(normalise_result(payload, shape=spec.extra.get("shape", "")))
        except UnknownShape as error:
            raise PermanentError(str(error), code="unreadable_result") from error
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise PermanentError(
                f"The provider's result could not be read ({type(error).__name__}: {error}).",
                code="unreadable_result",
            ) from error
