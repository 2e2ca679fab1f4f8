"""HTTP calls to the AI/ML API speech-to-text endpoints, mapped onto the provider errors.

- ``create_generation``: exactly one ``POST {base}/v1/stt/create`` per call, never retried here
  (the pipeline schedules retries). URL jobs are sent as JSON; file jobs as multipart/form-data
  streamed from the file object (requests-toolbelt's MultipartEncoder), so a 1 GiB upload never
  sits in memory.
- ``get_generation``: ``GET {base}/v1/stt/{id}``, the raw envelope (both envelope styles are read
  by ``CloudProvider.check``).
- ``probe_key``: ``GET {base}/v1/stt/<random id>`` — the cheapest authenticated request: the API
  answers 401 for a bad key and 404 (unknown id) for a good one, and nothing is created or billed.

Multipart encoding of options (the vendor's create endpoint parses forms the Multer way): scalars
are one field each, booleans "true"/"false"; a list is repeated ``name[]`` fields (so a one-item
list stays a list); a list of objects uses ``name[0][key]`` fields (custom_spelling).

Was the create call's request sent? A connection error after the whole body was handed to the
socket (reset, read timeout, unreadable 2xx) means a generation may exist: ``OutcomeUnknown``,
never a silent second create. An error before that (refused, DNS, connect timeout, reset in the
middle of an upload) means the vendor cannot have acted on it: ``TransientError``.
"""

from __future__ import annotations

import email.utils
import io
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import quote

import requests
from django.conf import settings
from requests_toolbelt import MultipartEncoder

from .base import KeyRejected, OutcomeUnknown, PermanentError, QuotaExceeded, TransientError

USER_AGENT = "stt-workspace (+self-hosted)"
KEY_REJECTED = "The API key was rejected — update it in Settings."
RESULT_GONE = "The provider no longer has this result (it keeps results for one hour)."
OUTCOME_UNKNOWN = (
    "The connection to the provider broke after the request was sent, so we cannot tell whether a "
    "(paid) transcription was started. Retry to send it again."
)


@dataclass(frozen=True)
class ClientConfig:
    base_url: str
    connect_timeout: float = 10
    read_timeout: float = 60
    upload_read_timeout: float = 300

    @classmethod
    def from_settings(cls) -> ClientConfig:
        return cls(
            base_url=settings.AIMLAPI_BASE_URL.rstrip("/"),
            connect_timeout=settings.AIMLAPI_CONNECT_TIMEOUT,
            read_timeout=settings.AIMLAPI_READ_TIMEOUT,
            upload_read_timeout=settings.AIMLAPI_UPLOAD_READ_TIMEOUT,
        )


@dataclass(frozen=True)
class Upload:
    field_name: str
    filename: str
    fileobj: IO[bytes]
    content_type: str = "application/octet-stream"


class CountingReader:
    """A request body that records how much of itself was handed to the socket."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.length = length
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.sent += len(chunk)
        return chunk

    def __len__(self) -> int:
        return self.length

    @property
    def complete(self) -> bool:
        return self.sent >= self.length


_local = threading.local()


def _session() -> requests.Session:
    """One Session (connection pool) per thread: the poller advances jobs on a thread pool."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        _local.session = session
    return session


def _headers(api_key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "Accept": "application/json", **extra}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def multipart_fields(*, model: str, options: dict[str, Any]) -> list[tuple[str, str]]:
    fields = [("model", model)]
    for name, value in options.items():
        if not isinstance(value, list):
            fields.append((name, _scalar(value)))
            continue
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                fields.append((f"{name}[]", _scalar(item)))
                continue
            for key, sub in item.items():
                for each in sub if isinstance(sub, list) else [sub]:
                    suffix = "[]" if isinstance(sub, list) else ""
                    fields.append((f"{name}[{index}][{key}]{suffix}", _scalar(each)))
    return fields


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def vendor_message(response: requests.Response) -> str:
    """The vendor's error text ({message, path, requestId, statusCode, timestamp} or {error})."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("detail")
        if isinstance(message, dict):
            message = message.get("message") or message.get("name")
        if isinstance(message, list):
            message = "; ".join(str(item) for item in message)
        if message:
            return str(message).strip()[:500]
    text = response.text.strip()
    if text and not text.lstrip().startswith("<") and len(text) < 300:
        return text
    return f"HTTP {response.status_code}"


def raise_for_answer(response: requests.Response, *, polling: bool) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status == 401:
        raise KeyRejected(KEY_REJECTED)
    if status == 403:
        raise QuotaExceeded(
            "The AI/ML API account is out of credits or over its plan limit "
            f"({vendor_message(response)}). Top it up or change the plan, then retry."
        )
    if status == 404 and polling:
        raise PermanentError(RESULT_GONE, code="result_gone")
    if status in (408, 429):
        what = "is rate-limiting requests" if status == 429 else "timed out"
        raise TransientError(f"The provider {what} (HTTP {status}); trying again.", retry_after=retry_after)
    if status >= 500:
        raise TransientError(
            f"The provider had a temporary problem (HTTP {status}); trying again.", retry_after=retry_after
        )
    if status == 413:
        raise PermanentError("The provider refused the file as too large for this model.", code="too_large")
    if 300 <= status < 400:
        raise PermanentError(f"The provider answered with an unexpected redirect (HTTP {status}).")
    raise PermanentError(f"The provider refused the request: {vendor_message(response)}")


def _json_body(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError("not an object")
    return body


def create_generation(
    *,
    config: ClientConfig,
    api_key: str,
    model: str,
    options: dict[str, Any],
    url: str | None = None,
    upload: Upload | None = None,
) -> str:
    """Start one generation and return its id. Exactly one POST, whatever happens."""
    if (url is None) == (upload is None):
        raise ValueError("give exactly one of url and upload")
    if url is not None:
        payload = json.dumps({"model": model, "url": url, **options}).encode()
        body = CountingReader(io.BytesIO(payload), len(payload))
        content_type = "application/json"
        read_timeout = config.read_timeout
    else:
        encoder = MultipartEncoder(
            fields=[
                *multipart_fields(model=model, options=options),
                (upload.field_name, (upload.filename, upload.fileobj, upload.content_type)),
            ]
        )
        body = CountingReader(encoder, encoder.len)
        content_type = encoder.content_type
        read_timeout = config.upload_read_timeout
    # A fresh connection: a pooled keep-alive socket the server already closed would fail after
    # the body was written and turn an ordinary reconnect into an unknown outcome.
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        try:
            response = session.post(
                f"{config.base_url}/v1/stt/create",
                data=body,
                headers=_headers(api_key, **{"Content-Type": content_type, "Content-Length": str(len(body))}),
                timeout=(config.connect_timeout, read_timeout),
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout as error:
            raise TransientError("Could not connect to the provider in time; trying again.") from error
        except requests.exceptions.RequestException as error:
            if body.complete:
                raise OutcomeUnknown(OUTCOME_UNKNOWN) from error
            raise TransientError(
                "Could not reach the provider (the connection failed before the request was sent); "
                "trying again."
            ) from error
    raise_for_answer(response, polling=False)
    try:
        answer = _json_body(response)
    except ValueError as error:
        raise OutcomeUnknown(OUTCOME_UNKNOWN) from error
    generation_id = answer.get("generation_id") or answer.get("id")
    if not isinstance(generation_id, str | int) or not str(generation_id).strip():
        raise OutcomeUnknown(OUTCOME_UNKNOWN)
    return str(generation_id).strip()


def _get(*, config: ClientConfig, api_key: str, generation_id: str) -> requests.Response:
    """One authenticated read of a generation on this thread's pooled session."""
    return _session().get(
        f"{config.base_url}/v1/stt/{quote(generation_id, safe='')}",
        headers=_headers(api_key),
        timeout=(config.connect_timeout, config.read_timeout),
        allow_redirects=False,
    )


def get_generation(*, config: ClientConfig, api_key: str, generation_id: str) -> dict[str, Any]:
    """The envelope of one generation; transient trouble raises ``TransientError``."""
    try:
        response = _get(config=config, api_key=api_key, generation_id=generation_id)
    except requests.exceptions.RequestException as error:
        raise TransientError(
            f"Could not reach the provider ({type(error).__name__}); trying again."
        ) from error
    raise_for_answer(response, polling=True)
    try:
        return _json_body(response)
    except ValueError as error:
        raise TransientError("The provider's answer was not readable JSON; trying again.") from error


def probe_key(*, config: ClientConfig, api_key: str) -> int:
    """HTTP status of an authenticated read of a random id (401: bad key; 404: good key)."""
    try:
        response = _get(config=config, api_key=api_key, generation_id=str(uuid.uuid4()))
    except requests.exceptions.RequestException as error:
        raise TransientError(f"Could not reach the AI/ML API ({type(error).__name__}).") from error
    return response.status_code
