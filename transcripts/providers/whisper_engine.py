"""Running faster-whisper on one file: decode once, pick the pipeline, stream segments with progress.

Pipeline choice (measured on two cores, docs/BENCHMARKS.md): up to one 30-second Whisper window
the plain and the batched pipelines take the same time; beyond it the batched one transcribes
several voiced chunks per encoder call and is about twice as fast, with the same word error
rate. Batching needs the voice-activity filter (it cuts the audio into chunks at pauses), and it
is also what makes per-chunk language detection work for recordings that switch language.

Progress: every segment reports its end over the audio's length (``on_progress``, cheap: the
caller keeps the share and writes it on its own schedule). The batched pipeline yields segments
only when a whole batch (up to eight 30-second chunks, four minutes of speech) is decoded, so a
shorter recording reports nothing until it is done: ``on_audio`` tells the caller, once decoded,
how many seconds of audio the run has to get through, from which it estimates the share between
real reports (``providers/local.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..audio import UNREADABLE_MESSAGE
from .base import PermanentError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
BATCHED_MIN_SECONDS = 30.0
BATCH_SIZE = 8  # 16 was no faster on two cores and took 50% more memory
UNREADABLE = "This file has no audio stream we can read."

Progress = Callable[[float], bool]  # the share done; False stops the run (the job was cancelled)


@dataclass
class ChannelRun:
    segments: list[Any]
    info: Any


@dataclass
class EngineResult:
    runs: list[ChannelRun] = field(default_factory=list)
    batched: bool = False
    split_channels: bool = False
    seconds: float = 0.0


def whisper_language(tag: str | None) -> str | None:
    """BCP-47 tag -> Whisper's language code (None = detect); PermanentError if Whisper lacks it."""
    if not tag:
        return None
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    code = tag.split("-", 1)[0].lower()
    if code not in _LANGUAGE_CODES:
        raise PermanentError(f"Whisper does not support the language “{tag}”.", code="unsupported_language")
    return code


def decode(path: Path, *, split_stereo: bool = False) -> list[Any]:
    """16 kHz mono float32 samples (two arrays, left and right, with ``split_stereo``)."""
    import av
    from faster_whisper import decode_audio

    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=split_stereo)
    except (av.FFmpegError, ValueError, OSError, EOFError, IndexError) as error:
        log.info("decoding %s failed: %s", path, error)
        raise PermanentError(UNREADABLE_MESSAGE, code="unreadable_audio") from error
    channels = list(audio) if split_stereo else [audio]
    if not len(channels[0]):
        raise PermanentError(UNREADABLE_MESSAGE, code="unreadable_audio")
    return channels


def transcribe_file(
    *,
    model: Any,
    path: Path,
    options: dict[str, Any],
    multilingual_model: bool,
    channels: int,
    on_progress: Progress,
    on_audio: Callable[[float], None] | None = None,
) -> EngineResult | None:
    """Transcribe ``path``; None if ``on_progress`` returned False (the job was cancelled).

    ``on_audio(seconds)`` is called once the file is decoded, with the seconds of audio this run
    goes through (the length times the channels transcribed one by one).
    """
    began = time.monotonic()
    split = bool(options.get("multi_channel")) and channels >= 2
    audio_channels = decode(path, split_stereo=split)
    duration = len(audio_channels[0]) / SAMPLE_RATE
    if on_audio is not None:
        on_audio(duration * len(audio_channels))
    vad = not options.get("keep_silence")
    per_chunk_language = (
        multilingual_model and bool(options.get("multilingual")) and not options.get("language")
    )
    batched = vad and (duration > BATCHED_MIN_SECONDS or per_chunk_language)
    kwargs: dict[str, Any] = {
        "language": whisper_language(options.get("language")) if multilingual_model else None,
        "task": options.get("task", "transcribe") if multilingual_model else "transcribe",
        "initial_prompt": options.get("initial_prompt") or None,
        "hotwords": options.get("hotwords") or None,
        "word_timestamps": True,
        "vad_filter": vad,
        "multilingual": per_chunk_language,
    }
    result = EngineResult(batched=batched, split_channels=split)
    for index, audio in enumerate(audio_channels):
        if batched:
            from faster_whisper import BatchedInferencePipeline

            segments, info = BatchedInferencePipeline(model).transcribe(
                audio, batch_size=BATCH_SIZE, **kwargs
            )
        else:
            segments, info = model.transcribe(audio, **kwargs)
        run = ChannelRun(segments=[], info=info)
        result.runs.append(run)
        for segment in segments:
            run.segments.append(segment)
            within = min(segment.end / info.duration, 1.0) if info.duration else 0.0
            if not on_progress(min((index + within) / len(audio_channels), 0.99)):
                return None
        if index + 1 < len(audio_channels) and not on_progress((index + 1) / len(audio_channels)):
            return None  # a channel is done: its share is real even if its last segment ended early
    result.seconds = time.monotonic() - began
    return result
