"""The AI/ML-compatible endpoints' rules: which model a request means, which options it keeps, and
what a generation looks like to the client. The views in ``views/api.py`` only parse and answer.

Jobs go through ``submit_job`` like any other (same checks, same state machine), owned by the
token's user in the token's team. The status words depend on the token's ``status_style``: the
vendor's example scripts wait only while a job is ``waiting``/``active`` and treat anything else
as finished, while the vendor's newer schema says ``queued``/``generating``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.uploadedfile import UploadedFile

from ..exports.deepgram import deepgram_result
from ..models import ApiToken, Job, JobState
from ..normalise import NormalisedTranscript
from ..providers import get_provider
from ..providers.base import ModelSpec
from ..providers.catalogue import find_cloud_model
from ..providers.local import compat_models, find_compat_model
from .api_tokens import team_for_token
from .submission import SubmissionError, submit_job

S = JobState
PENDING_WORDS = {
    ApiToken.StatusStyle.LEGACY: {S.QUEUED: "waiting", S.SUBMITTING: "waiting", S.PROCESSING: "active"},
    ApiToken.StatusStyle.SCHEMA: {S.QUEUED: "queued", S.SUBMITTING: "queued", S.PROCESSING: "generating"},
}
REQUEST_FIELDS = {"model", "url"}


class ApiRefusal(Exception):
    """A request this server will not act on: ``status`` and ``message`` for the vendor error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def offered_model_ids() -> list[str]:
    return list(compat_models())


def resolve_model(model_id: Any) -> ModelSpec:
    spec = find_compat_model(model_id) if isinstance(model_id, str) and model_id.strip() else None
    if spec is None:
        offered = ", ".join(offered_model_ids()) or "none (no local model is installed)"
        named = f"Model “{model_id}” is" if isinstance(model_id, str) and model_id else "A model is"
        raise ApiRefusal(
            400,
            f"{named} not offered by this server. Models offered: {offered}.",
        )
    return spec


def _vendor_option_names(model_id: str) -> set[str]:
    """Options the vendor's Whisper models take (e.g. smart_format) that the local engine has no use for."""
    name = model_id.strip().removeprefix("#g1_")
    cloud = find_cloud_model(f"#g1_{name}") or find_cloud_model("#g1_whisper-base")
    return {option.name for option in cloud.options} if cloud else set()


def split_options(*, spec: ModelSpec, model_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The request's options for ``spec``: its own pass through (validated by ``submit_job``), the
    vendor's Whisper options the engine cannot honour are dropped, anything else is refused there."""
    ours = {option.name for option in spec.options}
    vendor_only = _vendor_option_names(model_id) - ours
    options = {name: value for name, value in fields.items() if name not in REQUEST_FIELDS}
    language = options.get("language")
    if "language" not in ours and isinstance(language, str) and language.strip():
        if language.strip().lower().split("-", 1)[0] != "en":
            raise ApiRefusal(
                400, f"{spec.label} is English-only; use #g1_whisper-base for “{language.strip()}”."
            )
        options.pop("language")
    return {name: value for name, value in options.items() if name not in vendor_only}


def _message_of(error: SubmissionError) -> str:
    parts = []
    for field, messages in error.message_dict.items():
        prefix = f"{field}: " if field not in ("__all__", "audio", "url", "model", "options") else ""
        parts.extend(f"{prefix}{message}" for message in messages)
    return " ".join(parts)


def submit_api_request(*, token: ApiToken, fields: dict[str, Any], upload: UploadedFile | None) -> Job:
    """Start a job for an API request; raise ``ApiRefusal`` with the vendor status and message."""
    model_id = fields.get("model")
    spec = resolve_model(model_id)
    url = fields.get("url") or ""
    if not isinstance(url, str):
        raise ApiRefusal(400, "url must be a string.")
    if upload is not None and url:
        raise ApiRefusal(400, "Send either a url or a file, not both.")
    if upload is None and not url:
        raise ApiRefusal(400, "Send a url, or the audio file as a multipart part named “audio”.")
    options = split_options(spec=spec, model_id=str(model_id), fields=fields)
    team = team_for_token(token=token)
    if team is None:
        raise ApiRefusal(400, "This token's user has no team to keep transcripts in.")
    try:
        return submit_job(
            user=token.user,
            team=team,
            model_id=spec.id,
            options=options,
            upload=upload,
            url=url,
            api_token=token,
        )
    except SubmissionError as error:
        raise ApiRefusal(400, _message_of(error)) from error


def find_generation(*, token: ApiToken, generation_id: str) -> Job:
    """A job the token's user may see now (the one ``visible_to`` rule, as on the pages); else 404."""
    try:
        return Job.objects.visible_to(token.user).get(pk=generation_id)
    except (Job.DoesNotExist, ValidationError, ValueError):  # ValidationError: not a UUID at all
        raise ApiRefusal(404, f"Generation “{generation_id}” was not found.") from None


def _sha256(job: Job, raw: dict[str, Any]) -> str:
    if raw.get("sha256"):
        return str(raw["sha256"])
    if not job.audio:
        return ""
    digest = hashlib.sha256()
    try:
        with job.audio.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return ""
    return digest.hexdigest()


def _transcript_of(job: Job):
    try:
        return job.transcript
    except ObjectDoesNotExist:
        return None


def generation_body(*, job: Job, style: str) -> dict[str, Any]:
    """The GET answer: ``{generation_id, status, result, error}`` in the vendor's older envelope."""
    body: dict[str, Any] = {"generation_id": str(job.pk), "status": "", "result": None, "error": None}
    pending = PENDING_WORDS.get(style, PENDING_WORDS[ApiToken.StatusStyle.LEGACY])
    transcript = _transcript_of(job) if job.state == S.COMPLETED else None
    if job.state in pending:
        body["status"] = pending[job.state]
    elif transcript is not None:
        body["status"] = "completed"
        body["result"] = deepgram_result(
            NormalisedTranscript.from_model(transcript),
            request_id=str(job.pk),
            created=job.created_at,
            model_name=job.model.removeprefix("local/"),
            sha256=_sha256(job, transcript.raw or {}),
            model_version=get_provider(job.provider).engine_version,
        )
    elif job.state == S.CANCELLED:
        body["status"] = "error"
        body["error"] = {"name": "cancelled", "message": "The job was cancelled."}
    else:
        body["status"] = "error"
        body["error"] = {
            "name": job.error_code or "error",
            "message": job.error_message or "The transcription failed.",
        }
    return body
