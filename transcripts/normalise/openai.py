"""OpenAI-shaped results (gpt-4o(-mini)-transcribe, MAI-Transcribe) -> NormalisedTranscript.

``{text, usage}`` only: no word timings, so the transcript is one segment without times. usage
is tokens for the OpenAI models ({type: "tokens", input_tokens, output_tokens, total_tokens, …})
and ``{seconds, cost}`` for MAI; seconds, when given, are the billed audio duration.
"""

from __future__ import annotations

from typing import Any

from .schema import NormalisedTranscript, Segment


def normalise(payload: dict[str, Any]) -> NormalisedTranscript:
    text = str(payload.get("text") or "").strip()
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
    seconds = usage.get("seconds")
    duration = float(seconds) if isinstance(seconds, int | float) and not isinstance(seconds, bool) else None
    return NormalisedTranscript(
        text=text,
        segments=[Segment(start=None, end=None, text=text)] if text else [],
        words=[],
        language=str(payload.get("language") or ""),
        duration=duration,
        usage=dict(usage),
        raw=payload,
    )
