"""AssemblyAI-shaped results (aai/slam-1, aai/universal) -> NormalisedTranscript.

Every time in this payload is in MILLISECONDS (words, utterances, chapters, highlights, entities,
sentiment results) except ``audio_duration``, which is seconds. Speakers are letters ("A", "B").
With multichannel on, words carry ``channel`` as "1", "2"… (we count channels from 0).
Insights use the keys documented in ``normalise/deepgram.py``.
"""

from __future__ import annotations

from typing import Any

from .schema import NormalisedTranscript, Segment, Word, number, segments_from_words, speaker_label


def _seconds(milliseconds: Any) -> float | None:
    value = number(milliseconds)
    return None if value is None else round(value / 1000.0, 3)


def _channel(value: Any) -> int:
    try:
        return max(0, int(value) - 1)
    except (TypeError, ValueError):
        return 0


def _word(item: dict[str, Any]) -> Word:
    return Word(
        text=str(item.get("text") or ""),
        start=_seconds(item.get("start")),
        end=_seconds(item.get("end")),
        confidence=number(item.get("confidence")),
        speaker=speaker_label(item.get("speaker")),
        channel=_channel(item.get("channel")),
    )


def _segments(payload: dict[str, Any], words: list[Word]) -> list[Segment]:
    utterances = [item for item in payload.get("utterances") or [] if isinstance(item, dict)]
    if not utterances:
        return segments_from_words(words)
    return [
        Segment(
            start=_seconds(item.get("start")),
            end=_seconds(item.get("end")),
            text=str(item.get("text") or "").strip(),
            speaker=speaker_label(item.get("speaker")),
            channel=_channel(item.get("channel")),
        )
        for item in utterances
    ]


def _insights(payload: dict[str, Any]) -> dict[str, Any]:
    insights: dict[str, Any] = {}
    if payload.get("summary"):
        insights["summary"] = str(payload["summary"])
    chapters = [
        {
            "start": _seconds(item.get("start")),
            "end": _seconds(item.get("end")),
            "headline": item.get("headline", ""),
            "summary": item.get("summary", ""),
            "gist": item.get("gist", ""),
        }
        for item in payload.get("chapters") or []
    ]
    if chapters:
        insights["chapters"] = chapters
    highlights = (payload.get("auto_highlights_result") or {}).get("results") or []
    if highlights:
        insights["highlights"] = [
            {
                "text": item.get("text", ""),
                "count": item.get("count"),
                "rank": number(item.get("rank")),
                "timestamps": [
                    {"start": _seconds(stamp.get("start")), "end": _seconds(stamp.get("end"))}
                    for stamp in item.get("timestamps") or []
                ],
            }
            for item in highlights
        ]
    entities = [
        {
            "type": item.get("entity_type"),
            "text": item.get("text", ""),
            "start": _seconds(item.get("start")),
            "end": _seconds(item.get("end")),
            "confidence": None,
        }
        for item in payload.get("entities") or []
    ]
    if entities:
        insights["entities"] = entities
    sentiments = payload.get("sentiment_analysis_results") or []
    if sentiments:
        counts: dict[str, int] = {}
        for item in sentiments:
            counts[item.get("sentiment")] = counts.get(item.get("sentiment"), 0) + 1
        insights["sentiment"] = {
            "overall": max(counts, key=counts.__getitem__),
            "score": None,
            "segments": [
                {
                    "text": item.get("text", ""),
                    "start": _seconds(item.get("start")),
                    "end": _seconds(item.get("end")),
                    "sentiment": item.get("sentiment"),
                    "score": number(item.get("confidence")),
                    "speaker": speaker_label(item.get("speaker")),
                }
                for item in sentiments
            ],
        }
    categories = (payload.get("iab_categories_result") or {}).get("summary") or {}
    if categories:
        ranked = sorted(categories.items(), key=lambda pair: pair[1], reverse=True)
        insights["topics"] = [
            {"label": label, "confidence": number(score), "text": "", "start": None, "end": None}
            for label, score in ranked
        ]
    safety = (payload.get("content_safety_labels") or {}).get("summary") or {}
    if safety:
        insights["content_safety"] = dict(safety)
    return insights


def normalise(payload: dict[str, Any]) -> NormalisedTranscript:
    words = [_word(item) for item in payload.get("words") or [] if isinstance(item, dict)]
    duration = number(payload.get("audio_duration"))
    channels = 1 + max((word.channel for word in words), default=0)
    return NormalisedTranscript(
        text=str(payload.get("text") or "").strip(),
        segments=_segments(payload, words),
        words=words,
        language=str(payload.get("language_code") or ""),
        language_probability=number(payload.get("language_confidence")),
        duration=duration,
        channels=channels,
        insights=_insights(payload),
        usage={"seconds": duration} if duration is not None else {},
        raw=payload,
    )
