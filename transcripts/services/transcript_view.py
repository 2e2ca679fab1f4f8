"""The transcript as people see it: speaker names applied, words placed in their segments.

Pages, exports (and later search) read transcripts through here, so a renamed speaker or a
corrected segment shows the same everywhere.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from ..exports.lines import Line, TimedWord
from ..models import Transcript

#: A transcript without speaker labels is one speaker, so it can still be named.
SINGLE_SPEAKER = "0"
_NOT_WORD = re.compile(r"\W+")


def speaker_key(segment: dict[str, Any]) -> str:
    speaker = segment.get("speaker")
    return SINGLE_SPEAKER if speaker in (None, "") else str(speaker)


def default_speaker_name(key: str) -> str:
    """ "0" -> "Speaker 0", "A" -> "Speaker A"; labels that already read as names stay as they are
    ("Channel 1" from per-channel runs, "SPEAKER_01")."""
    return f"Speaker {key}" if len(key) <= 3 and " " not in key else key


def speaker_name(key: str, names: dict[str, str]) -> str:
    return names.get(key) or default_speaker_name(key)


@dataclass
class ShownWord:
    text: str
    start: float
    end: float


@dataclass
class ShownSegment:
    index: int
    start: float | None
    end: float | None
    text: str
    speaker: str  # the label ("0", "A", "Channel 1")
    speaker_name: str
    speaker_number: int  # 0, 1, 2… in order of first appearance (the colour of the speaker's chip)
    channel: int
    edited: bool = False
    speaker_changed: bool = True  # the first segment of a speaker's turn shows the name
    words: list[ShownWord] = field(default_factory=list)

    @property
    def channel_label(self) -> str:
        return f"Channel {self.channel + 1}"


def _bare(text: str) -> str:
    return _NOT_WORD.sub("", text).lower()


def _words_by_channel(words: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    channels: dict[int, list[dict[str, Any]]] = {}
    for word in words:
        if isinstance(word.get("start"), int | float) and isinstance(word.get("end"), int | float):
            channels.setdefault(int(word.get("channel") or 0), []).append(word)
    for items in channels.values():
        items.sort(key=lambda word: word["start"])
    return channels


def _segment_words(segment: dict[str, Any], channel_words: list[dict[str, Any]], starts: list[float]):
    """The words timed inside the segment, if they spell its text (else the segment stands alone)."""
    start, end = segment.get("start"), segment.get("end")
    if start is None or end is None or segment.get("edited"):
        return []
    first = bisect_right(starts, start - 0.02)
    last = bisect_right(starts, end + 0.02)
    words = [
        ShownWord(str(w["text"]).strip(), float(w["start"]), float(w["end"]))
        for w in channel_words[first:last]
    ]
    if _bare("".join(w.text for w in words)) != _bare(str(segment.get("text") or "")):
        return []
    return words


def shown_segments(transcript: Transcript) -> list[ShownSegment]:
    names = transcript.speaker_names or {}
    by_channel = _words_by_channel(transcript.words or [])
    starts = {channel: [w["start"] for w in words] for channel, words in by_channel.items()}
    shown: list[ShownSegment] = []
    numbers: dict[str, int] = {}
    for index, segment in enumerate(transcript.segments or []):
        channel = int(segment.get("channel") or 0)
        key = speaker_key(segment)
        numbers.setdefault(key, len(numbers))
        previous = shown[-1] if shown else None
        shown.append(
            ShownSegment(
                index=index,
                start=segment.get("start"),
                end=segment.get("end"),
                text=str(segment.get("text") or ""),
                speaker=key,
                speaker_name=speaker_name(key, names),
                speaker_number=numbers[key],
                channel=channel,
                edited=bool(segment.get("edited")),
                speaker_changed=previous is None or (previous.speaker, previous.channel) != (key, channel),
                words=_segment_words(segment, by_channel.get(channel, []), starts.get(channel, [])),
            )
        )
    return shown


def speakers_of(transcript: Transcript) -> list[tuple[str, str]]:
    """(label, shown name) of every speaker, in order of first appearance."""
    names = transcript.speaker_names or {}
    seen: dict[str, str] = {}
    for segment in transcript.segments or []:
        key = speaker_key(segment)
        seen.setdefault(key, speaker_name(key, names))
    return list(seen.items())


def export_lines(transcript: Transcript) -> list[Line]:
    return [
        Line(
            start=segment.start,
            end=segment.end,
            text=segment.text,
            speaker=segment.speaker_name,
            words=tuple(TimedWord(w.text, w.start, w.end) for w in segment.words),
        )
        for segment in shown_segments(transcript)
    ]
