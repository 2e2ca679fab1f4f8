"""faster-whisper output -> ``NormalisedTranscript``.

faster-whisper words carry their leading space (" ask,"): stripped here. Word confidence is
Whisper's token probability. Segments keep Whisper's own boundaries, except that a long one (the
batched pipeline returns one per voiced chunk of up to 30 s) is cut at sentence ends, pauses and
the commas of very long sentences, so a transcript reads, and links into the audio, sentence by
sentence.
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


LONG_SEGMENT = 12.0  # seconds; Whisper's own segments are rarely longer
SENTENCE_END = (".", "?", "!", "。", "？", "！")
CLAUSE_END = (",", ";", ":", "，", "、", "；")  # a very long sentence is cut at a comma too
MIN_SENTENCE = 2.0  # seconds: "Yes." stays with what follows
PAUSE = 1.5


def _pieces(segment: _FWSegment) -> list[tuple[float, float, str]]:
    """(start, end, text) of a segment, split into sentences if it is long and has word timings."""
    words = [word for word in segment.words or () if word.word.strip()]
    if not words or segment.end - segment.start <= LONG_SEGMENT:
        return [(segment.start, segment.end, segment.text.strip())]
    pieces, current = [], []
    for index, word in enumerate(words):
        current.append(word)
        following = words[index + 1] if index + 1 < len(words) else None
        sentence_over = (
            word.word.strip().endswith(SENTENCE_END) and word.end - current[0].start >= MIN_SENTENCE
        )
        clause_over = word.word.strip().endswith(CLAUSE_END) and word.end - current[0].start >= LONG_SEGMENT
        paused = following is not None and following.start - word.end > PAUSE
        if following is None or sentence_over or clause_over or paused:
            # Joined as spoken: the words carry their own spacing (none in Chinese or Japanese).
            pieces.append((current[0].start, word.end, "".join(w.word for w in current).strip()))
            current = []
    return pieces


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
            out_segments.extend(
                Segment(start=_round(start), end=_round(end), text=text, speaker=speaker, channel=channel)
                for start, end, text in _pieces(segment)
                if text
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
