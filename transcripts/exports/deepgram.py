"""``NormalisedTranscript`` -> the Deepgram-shaped ``result`` the AI/ML API returns for Whisper models.

Clients of the compatible endpoints read ``results.channels[0].alternatives[0].transcript`` (the
vendor's example scripts) and often words and paragraphs. Whatever the engine produced is one
channel here (the engine downmixes); ``metadata.channels`` still says how many the audio had.
Each of our segments becomes one sentence, so this project's own Deepgram normaliser reads back
the same segments, words and text.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from statistics import fmean
from typing import Any

from ..normalise.schema import NormalisedTranscript, Segment, Word

PARAGRAPH_GAP = 2.0  # seconds of silence that start a new paragraph
PARAGRAPH_MAX_SENTENCES = 6
_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


def model_uuid(name: str) -> str:
    """A stable id per model name (Deepgram lists models by UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stt-workspace/local/{name}"))


def _bare(text: str) -> str:
    return _EDGE_PUNCTUATION.sub("", text).lower() or text.lower()


def _word(word: Word) -> dict[str, Any]:
    return {
        "word": _bare(word.text),
        "start": word.start,
        "end": word.end,
        "confidence": word.confidence if word.confidence is not None else 0.0,
        "punctuated_word": word.text,
    }


def _paragraphs(segments: list[Segment], words: list[Word]) -> dict[str, Any]:
    groups: list[list[Segment]] = []
    for segment in segments:
        current = groups[-1] if groups else None
        gap = (segment.start or 0) - (current[-1].end or 0) if current else 0
        if current is None or gap >= PARAGRAPH_GAP or len(current) >= PARAGRAPH_MAX_SENTENCES:
            groups.append([segment])
        else:
            current.append(segment)
    paragraphs = []
    for group in groups:
        start, end = group[0].start, group[-1].end
        inside = [w for w in words if w.start is not None and start is not None and end is not None
                  and start <= w.start <= end]  # fmt: skip
        paragraphs.append(
            {
                "sentences": [{"text": s.text, "start": s.start, "end": s.end} for s in group],
                "start": start,
                "end": end,
                "num_words": len(inside) or sum(len(s.text.split()) for s in group),
            }
        )
    text = "\n\n".join(" ".join(s.text for s in group) for group in groups)
    return {"transcript": text, "paragraphs": paragraphs}


def _channel(
    transcript: NormalisedTranscript, *, text: str, words: list[Word], segments: list[Segment]
) -> dict[str, Any]:
    confidences = [w.confidence for w in words if w.confidence is not None]
    alternative: dict[str, Any] = {
        "transcript": text,
        "confidence": round(fmean(confidences), 4) if confidences else 0.0,
        "words": [_word(word) for word in words],
    }
    if segments:
        alternative["paragraphs"] = _paragraphs(segments, words)
    channel: dict[str, Any] = {"alternatives": [alternative]}
    if transcript.language:
        channel["detected_language"] = transcript.language
        if transcript.language_probability is not None:
            channel["language_confidence"] = transcript.language_probability
    return channel


def deepgram_result(
    transcript: NormalisedTranscript,
    *,
    request_id: str,
    created: datetime,
    model_name: str,
    sha256: str = "",
    model_version: str = "",
) -> dict[str, Any]:
    model_id = model_uuid(model_name)
    used = {w.channel for w in transcript.words} | {s.channel for s in transcript.segments}
    channel_ids = sorted(used) or [0]
    channels = []
    for channel_id in channel_ids:
        words = [w for w in transcript.words if w.channel == channel_id]
        segments = [s for s in transcript.segments if s.channel == channel_id]
        text = transcript.text if len(channel_ids) == 1 else " ".join(s.text for s in segments)
        channels.append(_channel(transcript, text=text, words=words, segments=segments))
    return {
        "metadata": {
            "transaction_key": "deprecated",
            "request_id": request_id,
            "sha256": sha256,
            "created": created.isoformat().replace("+00:00", "Z"),
            "duration": transcript.duration or 0.0,
            "channels": transcript.channels or 1,
            "models": [model_id],
            "model_info": {model_id: {"name": model_name, "version": model_version, "arch": "whisper"}},
        },
        "results": {"channels": channels},
    }
