"""What every export is made of: the transcript's segments as ``Line``s, with the names people
gave the speakers already applied, and how to cut them into subtitle-sized cues."""

from __future__ import annotations

from dataclasses import dataclass, field

#: A subtitle cue stays readable: at most this long on screen and this many characters.
CUE_MAX_SECONDS = 7.0
CUE_MAX_CHARACTERS = 84
CUE_MIN_SECONDS = 0.5


@dataclass(frozen=True)
class TimedWord:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Line:
    """One segment as it is shown: ``speaker`` is the display name ("Alice", "Speaker 0") or ""."""

    start: float | None
    end: float | None
    text: str
    speaker: str = ""
    words: tuple[TimedWord, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class ExportOptions:
    speakers: bool = True
    timestamps: bool = True


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str
    speaker: str = ""


def _pieces(line: Line) -> list[Cue]:
    """A long line cut at word boundaries into readable cues (whole line when there are no words)."""
    assert line.start is not None
    end = line.end if line.end is not None and line.end > line.start else line.start + CUE_MIN_SECONDS
    words = [word for word in line.words if word.text.strip()]
    too_long = end - line.start > CUE_MAX_SECONDS or len(line.text) > CUE_MAX_CHARACTERS
    if not words or not too_long:
        return [Cue(line.start, end, line.text.strip(), line.speaker)]
    cues: list[Cue] = []
    current: list[TimedWord] = []
    for word in words:
        if current:
            text = " ".join(w.text.strip() for w in [*current, word])
            if word.end - current[0].start > CUE_MAX_SECONDS or len(text) > CUE_MAX_CHARACTERS:
                cues.append(_cue(current, line.speaker))
                current = []
        current.append(word)
    if current:
        cues.append(_cue(current, line.speaker))
    return cues


def _cue(words: list[TimedWord], speaker: str) -> Cue:
    return Cue(words[0].start, words[-1].end, " ".join(w.text.strip() for w in words), speaker)


def cues_of(lines: list[Line]) -> list[Cue]:
    """Subtitle cues in time order that never overlap and never run backwards.

    Per-channel transcripts interleave two voices; a cue that would overlap the next one ends where
    the next begins (players show one cue at a time in order, and parsers reject overlaps).
    """
    cues = sorted(
        (cue for line in lines if line.start is not None and line.text.strip() for cue in _pieces(line)),
        key=lambda cue: (cue.start, cue.end),
    )
    tidy: list[Cue] = []
    for index, cue in enumerate(cues):
        start = max(cue.start, tidy[-1].end if tidy else 0.0)
        end = max(cue.end, start + CUE_MIN_SECONDS)
        if index + 1 < len(cues):
            end = min(end, max(cues[index + 1].start, start + 0.001))
        if end - start < 0.001:
            continue
        tidy.append(Cue(round(start, 3), round(end, 3), cue.text, cue.speaker))
    return tidy


def clock(seconds: float | None) -> str:
    """0:12, 1:02:05 (what people read next to a paragraph)."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
