"""LocalProvider: faster-whisper inside the inference cluster, no key and no network needed.

``start(job, events=...)`` runs to the end in the worker: fetch the URL (SSRF-safe) or open the
upload, check it is audio, decode it once, transcribe with the process-wide model, report progress
through ``events`` (the pipeline saves it, renews the job's lease and answers False once the user
cancelled) and return ``Finished``. It writes no job row itself.

The engine itself (decoding, pipeline choice, progress) is in ``whisper_engine``; the model
registry and the once-per-process model cache in ``whisper_models``.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File
from django.db import connections

from ..audio import UnreadableAudio, probe_audio
from ..normalise.whisper_local import from_faster_whisper
from ..safe_fetch import FetchCancelled, FetchError, UnsafeURL, fetch_to_file, validate_public_url
from .base import Finished, JobEvents, ModelSpec, OptionSpec, Pending, PermanentError, Provider
from .whisper_engine import Progress, transcribe_file
from .whisper_models import (
    LocalModel,
    ModelUnavailable,
    engine_version,
    get_local_model,
    installed_models,
    load_model,
)

if TYPE_CHECKING:
    from ..models import Job

log = logging.getLogger(__name__)

GROUP = "Local engine (no key needed)"
CANCELLED = Pending(status="cancelled")
HEARTBEAT_SECONDS = 30.0  # the job's lease is 120 s

# Voice-activity filtering is on unless this is ticked: a checkbox can only switch a default-off flag.
_SILENCE_HELP = (
    "Turns off the voice filter that skips pauses and noise. Slower on long recordings, and Whisper "
    "may invent words in long silences; use it if quiet speech goes missing."
)
COMMON_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "initial_prompt",
        "str",
        "Context prompt",
        "Text in the style of the recording with names and terms it contains; it guides spelling.",
        max_length=1000,
    ),
    OptionSpec(
        "hotwords",
        "str",
        "Hotwords",
        "Words the engine should favour, e.g. product or people's names, separated by spaces.",
        max_length=500,
    ),
    OptionSpec("keep_silence", "bool", "Keep silent stretches", _SILENCE_HELP),
    OptionSpec(
        "multi_channel",
        "bool",
        "Each channel separately",
        "For stereo recordings with one person per channel (calls, two microphones): "
        "each channel is transcribed on its own and labelled.",
    ),
)
MULTILINGUAL_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "language",
        "bcp47",
        "Spoken language",
        "Leave blank to detect it. A language tag such as en, de or pt-BR (the region is ignored).",
    ),
    OptionSpec(
        "task",
        "enum",
        "Task",
        "“translate” writes English text whatever language is spoken.",
        choices=("transcribe", "translate"),
    ),
    OptionSpec(
        "multilingual",
        "bool",
        "Several languages",
        "The recording switches language: detect it for every chunk of about 30 seconds instead of "
        "once from the start. Only when no spoken language is set.",
    ),
    *COMMON_OPTIONS,
)

# The AI/ML API's Whisper ids, as this server's compatible endpoints understand them.
COMPAT_MODELS = {"whisper-tiny": "whisper-tiny.en", "whisper-base": "whisper-base"}


def spec_for(model: LocalModel) -> ModelSpec:
    return ModelSpec(
        id=model.model_id,
        label=model.label,
        provider="local",
        group=GROUP,
        family="local-whisper" if model.multilingual else "local-whisper-en",
        options=MULTILINGUAL_OPTIONS if model.multilingual else COMMON_OPTIONS,
        description=model.description,
        aliases=(model.key,),
        extra={"multilingual": model.multilingual, "engine": "faster-whisper"},
    )


def compat_models() -> dict[str, ModelSpec]:
    """Vendor model id -> installed local model, for the ids this server answers to."""
    installed = {model.key: spec_for(model) for model in installed_models()}
    offered: dict[str, ModelSpec] = {}
    for vendor, key in COMPAT_MODELS.items():
        if key in installed:
            offered[f"#g1_{vendor}"] = installed[key]
    for spec in installed.values():
        offered[spec.id] = spec
    return offered


def find_compat_model(model_id: str) -> ModelSpec | None:
    """``#g1_whisper-tiny`` / ``whisper-tiny`` / ``local/whisper-tiny.en`` -> the local spec."""
    wanted = (model_id or "").strip()
    offered = compat_models()
    if not wanted.startswith(("#g1_", "local/")):
        wanted = f"#g1_{wanted}"
    return offered.get(wanted)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class Heartbeat:
    """Passes the engine's progress on, and repeats the last report from a thread every
    ``HEARTBEAT_SECONDS`` while the engine is inside one long call (decoding hours of audio, the
    voice filter, a batch of a large model) and no segment arrives: each report renews the job's
    lease, and a lapsed lease makes the sweep take the job for dead and run it again."""

    def __init__(self, *, report: Progress, name: str = "job") -> None:
        self._report = report
        self.progress = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{name}", daemon=True)

    def report(self, share: float) -> bool:
        self.progress = share
        return self._report(share)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                self._report(self.progress)
        finally:
            connections.close_all()  # this thread's own connection

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


class LocalProvider(Provider):
    name: ClassVar[str] = "local"
    label: ClassVar[str] = "Local engine"
    cluster: ClassVar[str | None] = settings.INFERENCE_CLUSTER
    remote: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False

    def models(self) -> list[ModelSpec]:
        return [spec_for(model) for model in installed_models()]

    def check_url(self, url: str) -> None:
        """This server fetches the URL itself: only public addresses (SSRF)."""
        try:
            validate_public_url(url)
        except UnsafeURL as error:
            raise PermanentError(error.message, code="unsafe_url") from error

    @property
    def engine_version(self) -> str:
        return f"faster-whisper {engine_version()}"

    def start(self, job: Job, *, events: JobEvents) -> Finished | Pending:
        local = self._local_model(job)
        options = dict(job.options or {})
        with self._audio_path(job, events) as path:
            if path is None:
                return CANCELLED
            try:
                probed = probe_audio(str(path))
            except UnreadableAudio as error:
                raise PermanentError(error.message, code="unreadable_audio") from error
            try:
                model = load_model(local.key)
            except ModelUnavailable as error:
                raise PermanentError(str(error), code="model_unavailable") from error
            with Heartbeat(report=events.progress, name=str(job.pk)) as heartbeat:
                result = transcribe_file(
                    model=model,
                    path=path,
                    options=options,
                    multilingual_model=local.multilingual,
                    channels=probed.channels,
                    on_progress=heartbeat.report,
                )
            if result is None:
                log.info("local job %s was cancelled while transcribing", job.pk)
                return CANCELLED
            sha256 = _sha256(path)
        task = options.get("task", "transcribe") if local.multilingual else "transcribe"
        return Finished(
            from_faster_whisper(
                runs=[(run.segments, run.info) for run in result.runs],
                model=local.key,
                channels=probed.channels,
                split_channels=result.split_channels,
                processing_seconds=result.seconds,
                task=task,
                extra_raw={
                    "sha256": sha256,
                    "batched": result.batched,
                    "codec": probed.codec,
                    "container": probed.container,
                },
            )
        )

    @staticmethod
    def _local_model(job: Job) -> LocalModel:
        key = job.model.removeprefix("local/")
        local = get_local_model(key)
        if local is None or not local.available():
            raise PermanentError(
                f"The local model “{job.model}” is not installed on this server.", code="model_unavailable"
            )
        return local

    @contextmanager
    def _audio_path(self, job: Job, events: JobEvents) -> Iterator[Path | None]:
        """A local path to the job's audio: fetched first for URL jobs; None if cancelled meanwhile."""
        if job.source == "url" and not job.audio:
            with tempfile.TemporaryDirectory(prefix="stt-fetch-") as scratch:
                path = Path(scratch) / "download"
                if not self._fetch(job, path, events):
                    yield None
                    return
                yield path
            return
        if not job.audio:
            raise PermanentError("The uploaded audio file is missing.", code="audio_missing")
        try:
            on_disk: Path | None = Path(job.audio.path)
        except NotImplementedError:  # remote storage: copied to a temporary file below
            on_disk = None
        if on_disk is not None:
            if not on_disk.is_file():
                raise PermanentError("The uploaded audio file is missing.", code="audio_missing")
            yield on_disk
            return
        with tempfile.NamedTemporaryFile(prefix="stt-audio-") as copy:
            try:
                with job.audio.open("rb") as handle:
                    while chunk := handle.read(1024 * 1024):
                        copy.write(chunk)
            except FileNotFoundError:
                raise PermanentError("The uploaded audio file is missing.", code="audio_missing") from None
            copy.flush()
            yield Path(copy.name)

    @staticmethod
    def _fetch(job: Job, path: Path, events: JobEvents) -> bool:
        """Download the job's URL into ``path`` and keep it as the job's audio; False if cancelled."""
        try:
            content_type, size = fetch_to_file(
                job.source_url,
                path,
                max_bytes=settings.URL_FETCH_MAX_BYTES,
                timeout=settings.URL_FETCH_TIMEOUT,
                on_progress=lambda _size: events.progress(0.0),
            )
        except FetchCancelled:
            return False
        except FetchError as error:
            raise PermanentError(error.message, code="fetch_failed") from error
        try:
            probe_audio(str(path))
        except UnreadableAudio as error:
            raise PermanentError(error.message, code="unreadable_audio") from error
        name = PurePath(urlsplit(job.source_url).path).name or "download"
        with open(path, "rb") as handle:
            job.audio.save(name, File(handle), save=False)
        job.size_bytes, job.content_type = size, content_type
        job.original_filename = job.original_filename or name[:255]
        events.audio_kept(
            name=job.audio.name, size=size, content_type=content_type, filename=job.original_filename
        )
        return True
