"""One normaliser per payload shape, all producing ``NormalisedTranscript``."""

from .schema import NormalisedTranscript, Segment, Word, segments_from_words

__all__ = ["NormalisedTranscript", "Segment", "Word", "segments_from_words"]
