"""A fake AI/ML API speech-to-text server: a real HTTP server on 127.0.0.1 for tests and benchmarks.

It implements the contract (docs in /work/shared/reference/aimlapi-stt.md): bearer auth,
``POST /v1/stt/create`` as JSON or multipart (parsed as a stream: file bytes are counted, never
kept), ``GET /v1/stt/{id}`` in the older (generation_id/result) or newer (id/output) envelope,
generations that complete after a per-key delay, realistic Deepgram / AssemblyAI / OpenAI results,
and faults injected per call (``fail_next``) or per key (``add_key(..., outcome="error")``).
Every create the server acted on is recorded in ``creates`` ("exactly one create" assertions).

    fake = FakeAimlapi().start(); key = fake.add_key("my-key-...", delay=2)
    # in a test module: from tests.fake_aimlapi import fake_aimlapi_fixture  (fixture "fake_aimlapi")
    fake.fail_next("get", 503, Fault("status", 429, retry_after="7"), "reset_after")
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from transcripts.providers.catalogue import CLOUD_MODELS

GOOD_KEY = "aiml-test-key-0123456789-good"
CHUNK = 256 * 1024
SCRIPT = [
    "Welcome everyone to the quarterly review.",
    "Revenue grew by twelve percent this quarter.",
    "Thanks, let's look at the details now.",
    "The new office in Lisbon opens in March.",
]


@dataclass
class KeyProfile:
    delay: float = 0.0  # seconds from create until the result is ready
    envelope: str = "old"  # "old": generation_id/result; "new": id/output
    waiting: tuple[str, ...] = ("queued", "generating")  # statuses shown while waiting
    outcome: str = "completed"  # or "error": the vendor fails the generation
    quota: bool = False  # every call answers 403
    expire_after: float | None = None  # the id answers 404 this long after creation
    id_field: str = "generation_id"  # the create answer's id field ("id" in some answers)


@dataclass
class Fault:
    kind: str  # "status" | "reset_before" | "reset_after" | "invalid_json" | "hang"
    status: int = 500
    message: str = ""
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass
class CreateCall:
    key: str
    model: str
    content_type: str
    body_bytes: int
    options: dict[str, Any]
    url: str | None = None
    file_field: str | None = None
    filename: str | None = None
    file_bytes: int = 0
    generation_id: str | None = None


@dataclass
class Generation:
    id: str
    model: str
    key: str
    options: dict[str, Any]
    created: float = field(default_factory=time.monotonic)


class BadRequest(Exception):
    pass


def _error_body(status: int, message: str, path: str) -> dict[str, Any]:
    return {
        "message": message,
        "path": path,
        "requestId": str(uuid.uuid4()),
        "statusCode": status,
        "timestamp": datetime.now(UTC).isoformat(),
    }


def decode_form(fields: list[tuple[str, str]]) -> dict[str, Any]:
    """Multipart fields back into options: ``a[]`` lists, ``a[0][k]`` lists of objects (Multer style)."""
    options: dict[str, Any] = {}
    for name, value in fields:
        base, _, rest = name.partition("[")
        if not rest:
            options[base] = value
        elif rest == "]":
            options.setdefault(base, []).append(value)
        else:
            index, key = rest.rstrip("]").replace("][", " ").split(" ")[:2]
            items = options.setdefault(base, [])
            while len(items) <= int(index):
                items.append({})
            if name.endswith("[]"):
                items[int(index)].setdefault(key, []).append(value)
            else:
                items[int(index)][key] = value
    return options


def read_multipart(
    rfile, length: int, boundary: bytes
) -> tuple[list[tuple[str, str]], dict[str, Any] | None]:
    """Stream-parse a multipart body: small fields kept, the file part only counted."""
    delimiter = b"\r\n--" + boundary
    remaining = length
    buffer = b"\r\n"

    def fill() -> bool:
        nonlocal buffer, remaining
        if remaining <= 0:
            return False
        chunk = rfile.read(min(CHUNK, remaining))
        if not chunk:
            raise BadRequest("the request body ended early")
        remaining -= len(chunk)
        buffer += chunk
        return True

    fields: list[tuple[str, str]] = []
    upload: dict[str, Any] | None = None
    while (index := buffer.find(delimiter)) < 0:  # skip the preamble
        if not fill():
            raise BadRequest("no multipart boundary")
    buffer = buffer[index + len(delimiter) :]
    while True:
        while len(buffer) < 2 and fill():
            pass
        if buffer.startswith(b"--"):
            break
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            if len(buffer) > 16384 or not fill():
                raise BadRequest("bad part headers")
        headers = buffer[2:end].decode("utf-8", "replace").split("\r\n")
        buffer = buffer[end + 4 :]
        disposition = next((h for h in headers if h.lower().startswith("content-disposition")), "")
        params = dict(part.strip().split("=", 1) for part in disposition.split(";")[1:] if "=" in part)
        name = params.get("name", "").strip('"')
        filename = params.get("filename", "").strip('"') if "filename" in params else None
        size, value = 0, b""
        while (index := buffer.find(delimiter)) < 0:
            keep = len(delimiter)
            if len(buffer) > keep:
                size += len(buffer) - keep
                if filename is None:
                    value += buffer[:-keep]
                    if len(value) > 1_000_000:
                        raise BadRequest(f"field {name} is too large")
                buffer = buffer[-keep:]
            if not fill():
                raise BadRequest("the request body ended inside a part")
        size += index
        if filename is None:
            fields.append((name, (value + buffer[:index]).decode()))
        else:
            ctype = next(
                (h.split(":", 1)[1].strip() for h in headers if h.lower().startswith("content-type")), ""
            )
            upload = {"field": name, "filename": filename, "bytes": size, "content_type": ctype}
        buffer = buffer[index + len(delimiter) :]
    while fill():  # the epilogue
        buffer = b""
    return fields, upload


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    @property
    def fake(self) -> FakeAimlapi:
        return self.server.fake

    def _send(self, status: int, body: Any, *, raw: bytes | None = None, headers: dict | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _auth(self) -> tuple[str, KeyProfile] | None:
        header = self.headers.get("Authorization", "")
        key = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        profile = self.fake.keys.get(key)
        if profile is None:
            self._send(401, _error_body(401, "Unauthorized: invalid API key", self.path))
            return None
        if profile.quota:
            self._send(403, _error_body(403, "Insufficient credits: top up your balance", self.path))
            return None
        return key, profile

    def _apply_fault(self, fault: Fault | None, *, stage: str) -> bool:
        """Answer with the fault if it belongs to this stage; True when the request is done."""
        if fault is None:
            return False
        if stage == "before" and fault.kind == "reset_before":
            self._reset()
            return True
        if stage == "before" and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            message = fault.message or {429: "Too many requests"}.get(fault.status, "Internal server error")
            self._send(fault.status, _error_body(fault.status, message, self.path), headers=headers)
            return True
        if stage == "after" and fault.kind == "reset_after":
            self._reset()
            return True
        if stage == "after" and fault.kind == "invalid_json":
            self._send(200, None, raw=b'{"generation_id": "unfinished')
            return True
        if stage == "after" and fault.kind == "hang":
            time.sleep(fault.seconds)
        return False

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/v1/stt/create":
            self._send(404, _error_body(404, f"Cannot POST {self.path}", self.path))
            return
        fault = self.fake.take_fault("create")
        if self._apply_fault(fault, stage="before"):
            return
        length = int(self.headers.get("Content-Length") or 0)
        auth = self._auth()
        if auth is None:
            self.close_connection = True  # the unread body makes this connection unusable
            return
        try:
            call = self._read_create(auth[0], length)
        except (BadRequest, ValueError) as error:
            self.close_connection = True
            self._send(400, _error_body(400, str(error), self.path))
            return
        generation = self.fake.create(call)
        if self.fake.on_create is not None:
            self.fake.run_hook(self.fake.on_create, call)
        if self._apply_fault(fault, stage="after"):
            return
        self._send(201, {self.fake.keys[auth[0]].id_field: generation.id, "status": "queued"})

    def _read_create(self, key: str, length: int) -> CreateCall:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
            fields, upload = read_multipart(self.rfile, length, boundary)
            options = decode_form(fields)
            url = options.pop("url", None)
        else:
            options = json.loads(self.rfile.read(length) or b"{}")
            upload, url = None, options.pop("url", None)
        model = options.pop("model", None)
        call = CreateCall(
            key=key,
            model=str(model),
            content_type=content_type.split(";")[0],
            body_bytes=length,
            options=options,
            url=url,
        )
        expected = self.fake.upload_field(str(model))
        if expected is None:
            raise BadRequest(f"model must be one of the following values: {', '.join(self.fake.model_ids)}")
        if upload is not None:
            if upload["field"] != expected:
                raise BadRequest(f"{expected} should not be empty")
            call.file_field, call.filename, call.file_bytes = (
                upload["field"],
                upload["filename"],
                upload["bytes"],
            )
        if (url is None) == (upload is None):
            raise BadRequest("Provide either url or a file, exactly one of them")
        return call

    def do_GET(self) -> None:
        if not self.path.startswith("/v1/stt/"):
            self._send(404, _error_body(404, f"Cannot GET {self.path}", self.path))
            return
        fault = self.fake.take_fault("get")
        if self._apply_fault(fault, stage="before"):
            return
        auth = self._auth()
        if auth is None:
            return
        self.fake.gets += 1
        generation = self.fake.generations.get(self.path.rsplit("/", 1)[1])
        if self._apply_fault(fault, stage="after"):
            return
        if generation is None or self.fake.expired(generation):
            self._send(404, _error_body(404, "Generation not found", self.path))
            return
        if self.fake.on_get is not None:
            self.fake.run_hook(self.fake.on_get, generation)
        self._send(200, self.fake.envelope(generation))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 makes the kernel reset connections under a burst of requests.
    request_queue_size = 1024
    fake: FakeAimlapi


class FakeAimlapi:
    def __init__(self) -> None:
        self.keys: dict[str, KeyProfile] = {}
        self.creates: list[CreateCall] = []
        self.generations: dict[str, Generation] = {}
        self.gets = 0
        self._faults: dict[str, deque[Fault]] = {"create": deque(), "get": deque()}
        self._lock = threading.Lock()
        self._specs = {alias: spec for spec in CLOUD_MODELS for alias in (spec.id, *spec.aliases)}
        self.model_ids = [spec.id for spec in CLOUD_MODELS]
        self._httpd: _Server | None = None
        # Called in the server's thread before it answers (e.g. a user cancels meanwhile).
        self.on_create: Callable[[CreateCall], None] | None = None
        self.on_get: Callable[[Generation], None] | None = None

    # --- control ---------------------------------------------------------------------------
    def start(self) -> FakeAimlapi:
        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.fake = self
        threading.Thread(target=self._httpd.serve_forever, name="fake-aimlapi", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add_key(self, secret: str, **profile: Any) -> str:
        self.keys[secret] = KeyProfile(**profile)
        return secret

    def fail_next(self, call: str, *faults: Fault | int | str) -> None:
        """Queue faults for the next ``call``s ("create" or "get"): a status code, a kind, or a Fault."""
        for fault in faults:
            if isinstance(fault, int):
                fault = Fault("status", fault)
            elif isinstance(fault, str):
                fault = Fault(fault)
            self._faults[call].append(fault)

    def take_fault(self, call: str) -> Fault | None:
        with self._lock:
            return self._faults[call].popleft() if self._faults[call] else None

    @staticmethod
    def run_hook(hook: Callable[[Any], None], argument: Any) -> None:
        try:
            hook(argument)
        finally:
            from django.db import connections

            connections.close_all()  # this server thread's own DB connection, if the hook used one

    # --- behaviour -------------------------------------------------------------------------
    def upload_field(self, model: str) -> str | None:
        spec = self._specs.get(model)
        return spec.upload_field if spec else None

    def create(self, call: CreateCall) -> Generation:
        generation = Generation(id=str(uuid.uuid4()), model=call.model, key=call.key, options=call.options)
        call.generation_id = generation.id
        with self._lock:
            self.creates.append(call)
            self.generations[generation.id] = generation
        return generation

    def expired(self, generation: Generation) -> bool:
        after = self.keys[generation.key].expire_after
        return after is not None and time.monotonic() - generation.created > after

    def envelope(self, generation: Generation) -> dict[str, Any]:
        profile = self.keys[generation.key]
        elapsed = time.monotonic() - generation.created
        new = profile.envelope == "new"
        result, error = None, None
        if elapsed < profile.delay:
            step = int(elapsed / profile.delay * len(profile.waiting))
            status = profile.waiting[min(step, len(profile.waiting) - 1)]
        elif profile.outcome == "error":
            status, message = "error", "Audio file could not be decoded"
            error = {"name": "TranscriptionError", "message": message} if new else message
        else:
            status, result = "completed", result_for(generation.model, generation.options)
        if new:
            return {"id": generation.id, "status": status, "output": result, "error": error}
        return {"generation_id": generation.id, "status": status, "result": result, "error": error}

    @property
    def create_count(self) -> int:
        return len(self.creates)


# --- realistic results per family ------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _script_words(gap: float = 0.6, per_word: float = 0.4) -> list[tuple[int, str, float, float]]:
    words, clock = [], 0.3
    for index, sentence in enumerate(SCRIPT):
        for token in sentence.split():
            words.append((index, token, round(clock, 2), round(clock + per_word - 0.05, 2)))
            clock += per_word
        clock += gap
    return words


def deepgram_result(options: dict[str, Any]) -> dict[str, Any]:
    multi = _truthy(options.get("multichannel")) or _truthy(options.get("multi_channel"))
    diarize = _truthy(options.get("diarize"))
    words = _script_words()
    n_channels = 2 if multi else 1
    channels, utterances = [], []
    for channel in range(n_channels):
        own = [w for w in words if not multi or w[0] % 2 == channel]
        items = []
        for sentence, token, start, end in own:
            item = {
                "word": token.strip(".,").lower(),
                "start": start,
                "end": end,
                "confidence": 0.97,
                "punctuated_word": token,
            }
            if diarize:
                item |= {"speaker": sentence % 2, "speaker_confidence": 0.9}
            items.append(item)
        sentences = sorted({w[0] for w in own})
        alternative: dict[str, Any] = {
            "transcript": " ".join(SCRIPT[s] for s in sentences),
            "confidence": 0.96,
            "words": items,
        }
        if _truthy(options.get("paragraphs")):
            paragraphs = []
            for s in sentences:
                span = [w for w in own if w[0] == s]
                paragraph = {
                    "sentences": [{"text": SCRIPT[s], "start": span[0][2], "end": span[-1][3]}],
                    "start": span[0][2],
                    "end": span[-1][3],
                    "num_words": len(span),
                }
                if diarize:
                    paragraph["speaker"] = s % 2
                paragraphs.append(paragraph)
            alternative["paragraphs"] = {
                "transcript": "\n\n".join(SCRIPT[s] for s in sentences),
                "paragraphs": paragraphs,
            }
        entry: dict[str, Any] = {"alternatives": [alternative]}
        if _truthy(options.get("detect_language")):
            entry |= {"detected_language": "en", "language_confidence": 0.99}
        if options.get("search"):
            query = options["search"][0] if isinstance(options["search"], list) else options["search"]
            entry["search"] = [
                {
                    "query": query,
                    "hits": [{"confidence": 0.9, "start": 2.1, "end": 2.9, "snippet": "revenue grew"}],
                }
            ]
        channels.append(entry)
        for s in sorted({w[0] for w in own}):
            span = [w for w in own if w[0] == s]
            utterances.append(
                {
                    "start": span[0][2],
                    "end": span[-1][3],
                    "confidence": 0.95,
                    "channel": channel,
                    "transcript": SCRIPT[s],
                    "words": [],
                    "speaker": s % 2,
                    "id": str(uuid.uuid4()),
                }
            )
    duration = round(words[-1][3] + 0.5, 2)
    results: dict[str, Any] = {"channels": channels}
    if _truthy(options.get("utterances")):
        results["utterances"] = utterances
    if options.get("summarize"):
        results["summary"] = {"result": "success", "short": "A quarterly review: revenue grew 12%."}
    if _truthy(options.get("topics")):
        results["topics"] = {
            "segments": [
                {
                    "text": SCRIPT[1],
                    "start_word": 6,
                    "end_word": 12,
                    "topics": [{"topic": "Finance", "confidence_score": 0.91}],
                }
            ]
        }
    metadata = {
        "transaction_key": "deprecated",
        "request_id": str(uuid.uuid4()),
        "sha256": "0" * 64,
        "created": datetime.now(UTC).isoformat(),
        "duration": duration,
        "channels": n_channels,
        "models": [str(uuid.uuid4())],
        "model_info": {},
    }
    return {"metadata": metadata, "results": results}


def assemblyai_result(options: dict[str, Any]) -> dict[str, Any]:
    labels = _truthy(options.get("speaker_labels"))
    script = _script_words()
    words = [
        {
            "text": token,
            "start": int(start * 1000),
            "end": int(end * 1000),
            "confidence": 0.95,
            "speaker": "AB"[s % 2] if labels else None,
        }
        for s, token, start, end in script
    ]
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "status": "completed",
        "language_code": "en_us",
        "text": " ".join(SCRIPT),
        "words": words,
        "confidence": 0.94,
        "audio_duration": int(words[-1]["end"] / 1000) + 1,
        "punctuate": True,
        "format_text": True,
        "speech_model": "universal",
        "error": None,
    }
    if labels:
        payload["utterances"] = []
        for s, sentence in enumerate(SCRIPT):
            span = [w for w, item in zip(words, script, strict=True) if item[0] == s]
            payload["utterances"].append(
                {
                    "speaker": "AB"[s % 2],
                    "text": sentence,
                    "confidence": 0.95,
                    "start": span[0]["start"],
                    "end": span[-1]["end"],
                    "words": span,
                }
            )
    if _truthy(options.get("auto_chapters")):
        payload["chapters"] = [
            {
                "summary": "Revenue grew and a new office opens.",
                "headline": "Quarterly review",
                "gist": "Review",
                "start": words[0]["start"],
                "end": words[-1]["end"],
            }
        ]
    if _truthy(options.get("summarization")):
        payload["summary"] = "- Revenue grew 12%\n- Lisbon office opens in March"
    return payload


def result_for(model: str, options: dict[str, Any]) -> dict[str, Any]:
    if model.startswith("aai/"):
        return assemblyai_result(options)
    if model.startswith("openai/"):
        return {
            "text": " ".join(SCRIPT),
            "usage": {
                "type": "tokens",
                "input_tokens": 180,
                "output_tokens": 42,
                "total_tokens": 222,
                "input_token_details": {"text_tokens": 0, "audio_tokens": 180},
            },
        }
    if model.startswith("microsoft/"):
        return {"text": " ".join(SCRIPT), "usage": {"seconds": 11.6, "cost": 0.00116}}
    return deepgram_result(options)


@pytest.fixture(name="fake_aimlapi")
def fake_aimlapi_fixture(settings):
    """A running fake with one working key (``GOOD_KEY``); ``settings.AIMLAPI_BASE_URL`` points at it."""
    fake = FakeAimlapi().start()
    fake.add_key(GOOD_KEY)
    settings.AIMLAPI_BASE_URL = fake.url
    yield fake
    fake.stop()
