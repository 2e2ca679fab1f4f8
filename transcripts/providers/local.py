"""LocalProvider: faster-whisper inside the inference cluster, no key and no network needed.

``start(job, events=...)`` runs to the end in the worker: fetch the URL (SSRF-safe) or open the
upload, check it is audio, decode it once, transcribe with the process-wide model, report progress
through ``events`` (the pipeline saves it, renews the job's lease and answers False once the user
cancelled) and return ``Finished``. It writes no job row itself.

Progress while the engine works: the engine runs in a thread of its own and only keeps its real
share (segment ends over the audio's length); this thread (the task's, which owns the database
connection) reports every ``TICK_SECONDS`` what ``ProgressClock`` shows: the real share, and
between real reports an estimate from the model's pace (``LocalModel.speed``, then what finished
jobs of this process measured). The batched pipeline reports nothing until a batch of up to four
minutes of speech is done, so without the estimate a bar would sit at 0 until the end. Every
report renews the job's lease, so a busy engine is never taken for dead.

The engine itself (decoding, pipeline choice, progress) is in ``whisper_engine``; the model
registry and the once-per-process model cache in ``whisper_models``. ``warm_up_in_background``
loads the preferred models when an inference worker starts (``transcripts.apps``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File

from ..audio import UnreadableAudio, probe_audio
from ..normalise.whisper_local import from_faster_whisper
from ..safe_fetch import FetchCancelled, FetchError, UnsafeURL, fetch_to_file, validate_public_url
from .base import Finished, JobEvents, ModelSpec, OptionSpec, Pending, PermanentError, Provider
from .whisper_engine import SAMPLE_RATE, EngineResult, Progress, transcribe_file
from .whisper_models import (
    PREFERRED_KEYS,
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
TICK_SECONDS = 1.0  # how often the bar may move while the engine works (each move is one UPDATE)
HEARTBEAT_SECONDS = 30.0  # a report at least this often even if nothing moved: the lease is 120 s

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
        "“Translate” writes English text whatever language is spoken.",
        choices=("transcribe", "translate"),
        default="transcribe",
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


class ProgressClock:
    """The share of a run the progress bar shows: the engine's real share where it has one, and
    an estimate from the expected time of the run in between.

    ``expect(seconds)`` sets how long the whole run should take (from the clock's start);
    ``real(share)`` records a real report, which also corrects the pace the estimate assumes. The
    estimate runs straight towards 80 % of the expected time, then slows down and never passes
    95 %: a slow run creeps instead of stopping at a full bar. What it shows never goes back.
    """

    EASE_FROM = 0.8
    CEILING = 0.95

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started = clock()
        self.expected: float | None = None
        self._real, self._real_at = 0.0, self.started
        self._shown = 0.0
        self._lock = threading.Lock()

    def expect(self, seconds: float) -> None:
        with self._lock:
            self.expected = max(seconds, 0.1)

    def real(self, share: float) -> None:
        with self._lock:
            if share > self._real:
                self._real, self._real_at = share, self._clock()

    def _eased(self, share: float) -> float:
        if share <= self.EASE_FROM:
            return share
        room = self.CEILING - self.EASE_FROM
        return self.EASE_FROM + room * (1 - math.exp(-(share - self.EASE_FROM) / room))

    def share(self) -> float:
        with self._lock:
            estimate = self._real
            if self.expected is not None:
                expected = self.expected
                if self._real >= 0.1:  # the pace so far beats the guess
                    expected = (self._real_at - self.started) / self._real
                estimate = self._eased(self._real + (self._clock() - self._real_at) / expected)
            self._shown = min(max(self._shown, self._real, estimate), 0.99)
            return self._shown


# Seconds of audio per second of work each model managed in this process's last finished runs.
_paces: dict[str, float] = {}
STARTUP_SECONDS = 0.5  # decoding and the voice filter before the first audio second is done


def expected_seconds(*, model: LocalModel, audio_seconds: float) -> float:
    return STARTUP_SECONDS + audio_seconds / _paces.get(model.key, model.speed)


def record_pace(*, model: LocalModel, audio_seconds: float, seconds: float) -> None:
    if audio_seconds < 5:  # a few seconds of audio say more about overheads than about the pace
        return
    pace = audio_seconds / max(seconds - STARTUP_SECONDS, 0.1)
    previous = _paces.get(model.key)
    _paces[model.key] = pace if previous is None else (previous + pace) / 2


EngineRun = Callable[[Progress, Callable[[float], None]], EngineResult | None]


def run_reporting(*, run: EngineRun, report: Progress, model: LocalModel, name: str) -> EngineResult | None:
    """Run the engine in a thread of its own and report ``ProgressClock``'s share from this one.

    ``run(on_progress, on_audio)`` is the engine call. ``report(share)`` is the job's progress
    callback (one UPDATE, which renews the lease); it is called from this thread only, every
    ``TICK_SECONDS`` when the share moved by a point, and every ``HEARTBEAT_SECONDS`` in any case.
    Once it answers False (the job was cancelled) the engine stops at its next segment and this
    returns None. An error in the engine is raised here.
    """
    clock = ProgressClock()
    stop = threading.Event()
    outcome: dict[str, object] = {}

    def engine_progress(share: float) -> bool:
        clock.real(share)
        return not stop.is_set()

    def audio_known(seconds: float) -> None:
        clock.expect(expected_seconds(model=model, audio_seconds=seconds))

    def work() -> None:
        try:
            outcome["result"] = run(engine_progress, audio_known)
        except BaseException as error:  # raised again in the task's thread below
            outcome["error"] = error

    engine = threading.Thread(target=work, name=f"engine-{name}", daemon=True)
    engine.start()
    cancelled = False
    reported, reported_at = 0.0, time.monotonic()
    try:
        while engine.is_alive():
            engine.join(TICK_SECONDS)
            if not engine.is_alive() or cancelled:
                continue
            share = clock.share()
            if share - reported >= 0.01 or time.monotonic() - reported_at >= HEARTBEAT_SECONDS:
                reported, reported_at = share, time.monotonic()
                if not report(share):
                    cancelled = True
                    stop.set()  # the engine stops at its next segment; wait for it
    finally:
        stop.set()  # this thread was interrupted (a task timeout): the engine stops too
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    if cancelled:
        return None
    return outcome.get("result")  # type: ignore[return-value]


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
        _jobs_running.set()  # a warm-up still going steps aside: the cores are this job's
        try:
            return self._start(job, events=events)
        finally:
            _jobs_running.clear()

    def _start(self, job: Job, *, events: JobEvents) -> Finished | Pending:
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

            def engine_run(on_progress: Progress, on_audio: Callable[[float], None]) -> EngineResult | None:
                return transcribe_file(
                    model=model,
                    path=path,
                    options=options,
                    multilingual_model=local.multilingual,
                    channels=probed.channels,
                    on_progress=on_progress,
                    on_audio=on_audio,
                )

            result = run_reporting(run=engine_run, report=events.progress, model=local, name=str(job.pk))
            if result is None:
                log.info("local job %s was cancelled while transcribing", job.pk)
                return CANCELLED
            record_pace(model=local, audio_seconds=_audio_seconds(result), seconds=result.seconds)
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


def _audio_seconds(result: EngineResult) -> float:
    return sum(run.info.duration or 0.0 for run in result.runs)


# --- Warm-up ---------------------------------------------------------------------------------

WARM_UP_SECONDS = 1.0  # of silence: enough to run the encoder, the decoder and the voice filter once
_jobs_running = threading.Event()  # set while this process runs a job (one at a time per worker)


def warm_up(*, keys: tuple[str, ...] = PREFERRED_KEYS) -> list[str]:
    """Load the installed ones of ``keys`` into this process and run each once on a second of
    silence (the voice filter's model and the first inference's allocations come with it), so the
    first job does not wait for it. Returns the keys warmed; a broken model is logged, not raised.

    A job that starts meanwhile has the cores to itself: the warm-up stops before its next step
    (the job loads what it needs; a load under way is finished, and shared, behind the lock).
    """
    import numpy

    installed = {model.key for model in installed_models()}
    warmed = []
    silence = numpy.zeros(int(SAMPLE_RATE * WARM_UP_SECONDS), dtype=numpy.float32)
    for key in keys:
        if key not in installed:
            continue
        began = time.monotonic()
        try:
            if _jobs_running.is_set():
                break
            model = load_model(key)
            if _jobs_running.is_set():
                break
            segments, _info = model.transcribe(silence, language="en", vad_filter=True, word_timestamps=True)
            list(segments)
            segments, _info = model.transcribe(silence, language="en", without_timestamps=True)
            list(segments)
        except Exception:  # the job that needs it reports the problem to its user
            log.exception("warming up local model %s failed", key)
            continue
        warmed.append(key)
        log.info("local model %s is warm (%.1f s)", key, time.monotonic() - began)
    if len(warmed) < len([key for key in keys if key in installed]):
        log.info("warm-up stopped early for a job; warm: %s", ", ".join(warmed) or "none")
    return warmed


def warm_up_in_background(*, keys: tuple[str, ...] = PREFERRED_KEYS) -> threading.Thread:
    """``warm_up`` in a daemon thread: the worker takes tasks meanwhile (a job for a model still
    loading waits for that one load, behind ``load_model``'s lock, instead of loading it twice)."""
    thread = threading.Thread(target=warm_up, kwargs={"keys": keys}, name="warm-up", daemon=True)
    thread.start()
    return thread
