"""SubRip (.srt, via ``srt``) and WebVTT (.vtt, via ``webvtt-py``) subtitles.

WebVTT marks the speaker with a voice span (``<v Alice>``), which players style and screen
readers announce; SubRip has no such thing, so the name leads the cue's text ("Alice: …").
"""

from __future__ import annotations

from datetime import timedelta

import srt
import webvtt

from .lines import Cue, ExportOptions, Line, cues_of


def _vtt_time(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "→")


def _cues(lines: list[Line], options: ExportOptions) -> list[Cue]:
    cues = cues_of(lines)
    return cues if options.speakers else [Cue(c.start, c.end, c.text) for c in cues]


def to_srt(*, lines: list[Line], options: ExportOptions) -> str:
    subtitles = [
        srt.Subtitle(
            index=number,
            start=timedelta(seconds=cue.start),
            end=timedelta(seconds=cue.end),
            content=f"{cue.speaker}: {cue.text}" if cue.speaker else cue.text,
        )
        for number, cue in enumerate(_cues(lines, options), start=1)
    ]
    return srt.compose(subtitles, reindex=False)


def to_vtt(*, lines: list[Line], options: ExportOptions) -> str:
    document = webvtt.WebVTT()
    for number, cue in enumerate(_cues(lines, options), start=1):
        text = _escape_vtt(cue.text)
        if cue.speaker:
            text = f"<v {_escape_vtt(cue.speaker)}>{text}</v>"
        document.captions.append(
            webvtt.Caption(_vtt_time(cue.start), _vtt_time(cue.end), text, identifier=str(number))
        )
    return document.content
