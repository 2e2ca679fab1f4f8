"""One normaliser per payload shape, all producing ``NormalisedTranscript``.

This package knows payloads and nothing of providers or jobs: the provider that fetched a
payload maps ``UnknownShape`` onto its own errors.
"""

from typing import Any

from . import assemblyai, deepgram, openai
from .schema import NormalisedTranscript, Segment, Word, segments_from_words

__all__ = [
    "NormalisedTranscript",
    "Segment",
    "UnknownShape",
    "Word",
    "normalise_result",
    "segments_from_words",
]


class UnknownShape(ValueError):
    """A payload none of the normalisers recognises."""


def normalise_result(payload: dict[str, Any], *, shape: str = "") -> NormalisedTranscript:
    """Pick the normaliser by the payload's shape; ``shape`` (from the catalogue) breaks ties."""
    if "results" in payload or ("metadata" in payload and shape == "deepgram"):
        return deepgram.normalise(payload)
    assemblyai_keys = {"words", "utterances", "audio_duration", "language_code", "acoustic_model"}
    if "id" in payload and assemblyai_keys & payload.keys():
        return assemblyai.normalise(payload)
    if "text" in payload and (shape == "openai" or "usage" in payload or set(payload) <= {"text", "usage"}):
        return openai.normalise(payload)
    normaliser = {"deepgram": deepgram, "assemblyai": assemblyai, "openai": openai}.get(shape)
    if normaliser is None or not payload:
        raise UnknownShape("The provider returned a result in a shape this app does not know.")
    return normaliser.normalise(payload)
