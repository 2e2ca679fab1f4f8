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
    runs: list[tuple[Iterable[_FWSegment], _FWInfo]],
    model: str,
    channels: int = 1,
    split_channels: bool = False,
    processing_seconds: float | None = None,
    task: str = "transcribe",
    extra_raw: dict[str, Any] | None = None,
) -> NormalisedTranscript:
    """Build the transcript from (segments, info) per run: one run, or one per channel when the
    channels were transcribed separately (then each segment and word carries its channel, and the
    channel is the speaker: one person per microphone)."""
    out_segments: list[Segment] = []
    out_words: list[Word] = []
    for index, (segments, _info) in enumerate(runs):
        channel = index if split_channels else 0
        speaker = f"Channel {index + 1}" if split_channels else None
        for segment in segments:
            text = segment.text.strip()
            if not text:
                continue
            out_segments.append(
                Segment(
                    start=_round(segment.start),
                    end=_round(segment.end),
                    text=text,
                    speaker=speaker,
                    channel=channel,
                )
            )
            for word in words_of(segment):
                word.channel, word.speaker = channel, speaker
                out_words.append(word)
    if split_channels:  # a conversation reads in time order
        out_segments.sort(key=lambda seg: (seg.start or 0.0, seg.channel))
        out_words.sort(key=lambda word: (word.start or 0.0, word.channel))
    info = runs[0][1]
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
            "speech_seconds": _round(sum(run_info.duration_after_vad for _s, run_info in runs)),
            **(extra_raw or {}),
        },
    )
