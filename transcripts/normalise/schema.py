"""The normalised transcript every engine and payload shape is turned into.

Times are seconds (floats); speakers are strings ("0", "A", "SPEAKER_1") so every provider fits;
channel is the audio channel index (0 when mono or not multichannel).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


def number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (booleans included)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def speaker_label(value: Any) -> str | None:
    """A provider's speaker id as our string label; None when there is none."""
    return None if value is None or value == "" else str(value)


@dataclass
class Word:
    text: str
    start: float | None
    end: float | None
    confidence: float | None = None
    speaker: str | None = None
    channel: int = 0


@dataclass
class Segment:
    start: float | None
    end: float | None
    text: str
    speaker: str | None = None
    channel: int = 0


@dataclass
class NormalisedTranscript:
    text: str
    segments: list[Segment] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    language: str = ""
    language_probability: float | None = None
    duration: float | None = None
    channels: int = 1
    insights: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in [*self.segments, *self.words]:
            if item.speaker is not None:
                seen.setdefault(item.speaker, None)
        return list(seen)

    @classmethod
    def from_model(cls, transcript: Any) -> NormalisedTranscript:
        """A stored ``transcripts.models.Transcript`` back as a ``NormalisedTranscript``."""
        return cls(
            text=transcript.text,
            segments=[Segment(**segment) for segment in transcript.segments or []],
            words=[Word(**word) for word in transcript.words or []],
            language=transcript.language,
            language_probability=transcript.language_probability,
            duration=transcript.duration,
            channels=transcript.channels,
            insights=transcript.insights or {},
            usage=transcript.usage or {},
            raw=transcript.raw or {},
        )

    def as_model_fields(self) -> dict[str, Any]:
        """Field values for ``transcripts.models.Transcript``."""
        return {
            "text": self.text,
            "language": self.language or "",
            "language_probability": self.language_probability,
            "duration": self.duration,
            "channels": self.channels,
            "speakers": self.speakers,
            "segments": [asdict(segment) for segment in self.segments],
            "words": [asdict(word) for word in self.words],
            "insights": self.insights,
            "usage": self.usage,
            "raw": self.raw,
        }


SENTENCE_END = (".", "?", "!", "。", "？", "！")


def segments_from_words(
    words: list[Word], *, max_gap: float = 1.5, max_length: float = 30.0
) -> list[Segment]:
    """Group words into segments at speaker/channel changes, long pauses and sentence ends.

    Used when a payload has word timings but no paragraphs, utterances or sentences.
    """
    segments: list[Segment] = []
    current: list[Word] = []

    def flush() -> None:
        if current:
            segments.append(
                Segment(
                    start=current[0].start,
                    end=current[-1].end,
                    text=" ".join(word.text for word in current).strip(),
                    speaker=current[0].speaker,
                    channel=current[0].channel,
                )
            )
            current.clear()

    for word in words:
        if current:
            first, last = current[0], current[-1]
            gap = (word.start or 0) - (last.end or 0)
            length = (word.end or 0) - (first.start or 0)
            if (
                word.speaker != last.speaker
                or word.channel != last.channel
                or gap > max_gap
                or length > max_length
                or (last.text.endswith(SENTENCE_END) and length > 8)
            ):
                flush()
        current.append(word)
    flush()
    return segments
