"""Deepgram-shaped results (Nova-2, Nova-3 and the hosted Whisper models) -> NormalisedTranscript.

Facts the vendor schema gets wrong and real payloads get right: ``results.channels`` is an array
(one entry per audio channel with multichannel on) and ``alternatives[].paragraphs`` is an object
``{transcript, paragraphs: [{sentences: [...], speaker?, start, end}]}``. Both spellings are read.

Insights, shared by every normaliser (keys present only when the provider returned them):
  summary: str                     topics / intents: [{label, confidence, text, start, end}]
  sentiment: {overall, score, segments: [{text, start, end, sentiment, score}]}
  entities: [{type, text, start, end, confidence}]
  search: [{query, hits: [{start, end, snippet, confidence}]}]
  chapters: [{start, end, headline, summary, gist}]   highlights: [{text, count, rank, timestamps}]
"""

from __future__ import annotations

from typing import Any

from .schema import NormalisedTranscript, Segment, Word, number, segments_from_words, speaker_label


def _channels(results: dict[str, Any]) -> list[dict[str, Any]]:
    channels = results.get("channels") or []
    return [channels] if isinstance(channels, dict) else [c for c in channels if isinstance(c, dict)]


def _paragraph_list(paragraphs: Any) -> list[dict[str, Any]]:
    if isinstance(paragraphs, dict):
        inner = paragraphs.get("paragraphs")
        return [p for p in inner if isinstance(p, dict)] if isinstance(inner, list) else []
    if isinstance(paragraphs, list):  # the schema's reading: [{transcript, paragraphs: {...}}]
        found: list[dict[str, Any]] = []
        for item in paragraphs:
            inner = item.get("paragraphs") if isinstance(item, dict) else None
            found.extend([inner] if isinstance(inner, dict) else _paragraph_list(inner))
        return found
    return []


def _words(alternative: dict[str, Any], channel: int) -> list[Word]:
    return [
        Word(
            text=str(item.get("punctuated_word") or item.get("word") or ""),
            start=number(item.get("start")),
            end=number(item.get("end")),
            confidence=number(item.get("confidence")),
            speaker=speaker_label(item.get("speaker")),
            channel=channel,
        )
        for item in alternative.get("words") or []
        if isinstance(item, dict)
    ]


def _paragraph_segments(alternative: dict[str, Any], channel: int) -> list[Segment]:
    segments = []
    for paragraph in _paragraph_list(alternative.get("paragraphs")):
        for sentence in paragraph.get("sentences") or []:
            segments.append(
                Segment(
                    start=number(sentence.get("start")),
                    end=number(sentence.get("end")),
                    text=str(sentence.get("text") or "").strip(),
                    speaker=speaker_label(paragraph.get("speaker")),
                    channel=channel,
                )
            )
    return segments


def _utterance_segments(results: dict[str, Any]) -> list[Segment]:
    return [
        Segment(
            start=number(item.get("start")),
            end=number(item.get("end")),
            text=str(item.get("transcript") or "").strip(),
            speaker=speaker_label(item.get("speaker")),
            channel=int(item.get("channel") or 0),
        )
        for item in results.get("utterances") or []
        if isinstance(item, dict)
    ]


def _span(words: list[Word], first: Any, last: Any) -> tuple[float | None, float | None]:
    """Times of a word-index range (Deepgram's intelligence features point at word indexes)."""
    if not words or not isinstance(first, int) or not isinstance(last, int):
        return None, None
    first, last = max(0, min(first, len(words) - 1)), max(0, min(last, len(words) - 1))
    return words[first].start, words[last].end


def _labelled(feature: Any, key: str, words: list[Word]) -> list[dict[str, Any]]:
    """topics / intents: {segments: [{text, start_word, end_word, <key>s: [{<key>, confidence_score}]}]}."""
    found = []
    for segment in (feature or {}).get("segments") or []:
        start, end = _span(words, segment.get("start_word"), segment.get("end_word"))
        for item in segment.get(f"{key}s") or []:
            found.append(
                {
                    "label": item.get(key),
                    "confidence": number(item.get("confidence_score", item.get("confidence"))),
                    "text": segment.get("text", ""),
                    "start": start,
                    "end": end,
                }
            )
    return found


def _insights(
    results: dict[str, Any],
    alternatives: list[dict[str, Any]],
    channels: list[dict[str, Any]],
    words: list[Word],
) -> dict[str, Any]:
    insights: dict[str, Any] = {}
    summary = results.get("summary")
    if isinstance(summary, dict) and (summary.get("short") or summary.get("result")):
        insights["summary"] = summary.get("short") or summary.get("result")
    else:
        parts = [s.get("summary", "") for alt in alternatives for s in alt.get("summaries") or []]
        if any(parts):
            insights["summary"] = " ".join(part for part in parts if part)
    for key, feature in (("topics", "topic"), ("intents", "intent")):
        found = _labelled(results.get(key), feature, words)
        if found:
            insights[key] = found
    sentiments = results.get("sentiments")
    if isinstance(sentiments, dict):
        average = sentiments.get("average") or {}
        parts = []
        for segment in sentiments.get("segments") or []:
            start, end = _span(words, segment.get("start_word"), segment.get("end_word"))
            parts.append(
                {
                    "text": segment.get("text", ""),
                    "start": start,
                    "end": end,
                    "sentiment": segment.get("sentiment"),
                    "score": number(segment.get("sentiment_score")),
                }
            )
        insights["sentiment"] = {
            "overall": average.get("sentiment"),
            "score": number(average.get("sentiment_score")),
            "segments": parts,
        }
    entities = []
    for alternative in alternatives:
        alt_words = _words(alternative, 0)
        for entity in alternative.get("entities") or []:
            start, end = _span(alt_words, entity.get("start_word"), entity.get("end_word"))
            entities.append(
                {
                    "type": entity.get("label"),
                    "text": entity.get("value"),
                    "start": start,
                    "end": end,
                    "confidence": number(entity.get("confidence")),
                }
            )
    if entities:
        insights["entities"] = entities
    searches = [
        {
            "query": item.get("query"),
            "hits": [
                {
                    "start": number(hit.get("start")),
                    "end": number(hit.get("end")),
                    "snippet": hit.get("snippet"),
                    "confidence": number(hit.get("confidence")),
                }
                for hit in item.get("hits") or []
            ],
        }
        for channel in channels
        for item in channel.get("search") or []
        if isinstance(item, dict)
    ]
    if searches:
        insights["search"] = searches
    return insights


def normalise(payload: dict[str, Any]) -> NormalisedTranscript:
    metadata = payload.get("metadata") or {}
    results = payload.get("results") or {}
    channels = _channels(results)
    alternatives: list[dict[str, Any]] = []
    texts: list[str] = []
    words: list[Word] = []
    segments: list[Segment] = []
    language, language_probability = "", None
    for index, channel in enumerate(channels):
        alternative = next(iter(channel.get("alternatives") or []), None)
        if not isinstance(alternative, dict):
            continue
        alternatives.append(alternative)
        texts.append(str(alternative.get("transcript") or "").strip())
        words.extend(_words(alternative, index))
        segments.extend(_paragraph_segments(alternative, index))
        if not language and channel.get("detected_language"):
            language = str(channel["detected_language"])
            language_probability = number(channel.get("language_confidence"))
        if not language and alternative.get("languages"):
            language = str(alternative["languages"][0])
    if not segments:
        segments = _utterance_segments(results) or segments_from_words(words)
    duration = number(metadata.get("duration"))
    return NormalisedTranscript(
        text="\n\n".join(text for text in texts if text),
        segments=segments,
        words=words,
        language=language,
        language_probability=language_probability,
        duration=duration,
        channels=int(metadata.get("channels") or len(channels) or 1),
        # Intelligence features point at word indexes of the first channel.
        insights=_insights(results, alternatives, channels, [w for w in words if w.channel == 0]),
        usage={"seconds": duration} if duration is not None else {},
        raw=payload,
    )
