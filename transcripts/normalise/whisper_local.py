"""faster-whisper output -> ``NormalisedTranscript``.

faster-whisper words carry their leading space (" ask,"): stripped here. Word confidence is
Whisper's token probability. Segments keep Whisper's own boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from .schema import NormalisedTranscript, Segment, Word


class _FWWord(Protocol):
    start: float
    end: float
    word: str
    probability: float


class _FWSegment(Protocol):
    start: float
    end: float
    text: str
    words: list[_FWWord] | None
    avg_logprob: float
    no_speech_prob: float


class _FWInfo(Protocol):
    language: str
    language_probability: float
    duration: float
    duration_after_vad: float
    all_language_probs: list[tuple[str, float]] | None


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def words_of(segment: _FWSegment) -> list[Word]:
    return [
        Word(
            text=word.word.strip(),
            start=_round(word.start),
            end=_round(word.end),
            confidence=_round(word.probability),
        )
        for word in segment.words or ()
        if word.word.strip()
    ]


def from_faster_whisper(
    *,
    segments: Iterable[_FWSegment],
    info: _FWInfo,
    model: str,
    channels: int = 1,
    processing_seconds: float | None = None,
    task: str = "transcribe",
    extra_raw: dict[str, Any] | None = None,
) -> NormalisedTranscript:
    """Build the transcript from segments already produced (the caller iterates the generator)."""
    out_segments: list[Segment] = []
    out_words: list[Word] = []
    for segment in segments:
        text = segment.text.strip()
        if not text:
            continue
        out_segments.append(Segment(start=_round(segment.start), end=_round(segment.end), text=text))
        out_words.extend(words_of(segment))
    top_languages = sorted(info.all_language_probs or [], key=lambda pair: pair[1], reverse=True)[:5]
    duration = _round(info.duration)
    return NormalisedTranscript(
        text=" ".join(segment.text for segment in out_segments),
        segments=out_segments,
        words=out_words,
        # A translation is English whatever was spoken; the spoken language stays in raw.
        language="en" if task == "translate" else info.language or "",
        language_probability=None if task == "translate" else _round(info.language_probability),
        duration=duration,
        channels=channels,
        usage={
            "engine": "faster-whisper",
            "model": model,
            "seconds": duration,
            "processing_seconds": _round(processing_seconds),
        },
        raw={
            "engine": "faster-whisper",
            "model": model,
            "task": task,
            "spoken_language": info.language,
            "spoken_language_probability": _round(info.language_probability),
            "top_languages": [[code, _round(p)] for code, p in top_languages],
            "speech_seconds": _round(info.duration_after_vad),
            **(extra_raw or {}),
        },
    )
