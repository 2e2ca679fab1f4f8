"""What a search answers, and the safe HTML of its highlights.

The databases mark hits with two private-use characters (``MARK_START``/``MARK_END``, which
``clean_text`` strips from everything indexed). ``marked_html`` escapes the text first and only
then turns the markers into ``<mark>`` elements, so nothing a person typed is ever trusted as HTML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .query import MARK_END, MARK_START, Query

SNIPPET_CHARS = 220  # a longer segment is cut to about this much around its first hit
CONTEXT_BEFORE = 60  # characters kept before the first hit when cutting


@dataclass
class Snippet:
    index: int  # the segment's position in the transcript
    start: float | None  # seconds
    speaker: str  # as shown on the transcript
    html: SafeString  # the segment's text, escaped, hits in <mark>
    url: str  # the transcript at this moment, the hit highlighted


@dataclass
class Hit:
    """One transcript that matches, with its best moments."""

    job: Any  # transcripts.models.Job, with team and created_by loaded
    title_html: SafeString
    score: float
    matches: int  # moments: segments whose words match (0: the title alone matches)
    snippets: list[Snippet] = field(default_factory=list)  # the best moments, in the order said
    language: str = ""
    duration: float | None = None
    best_url: str = ""  # the best moment

    @property
    def url(self) -> str:
        return self.best_url or (self.snippets[0].url if self.snippets else self.job.get_absolute_url())


@dataclass
class SearchResults:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    total: int = 0  # transcripts that match (of those the user may open)
    page: int = 1
    per_page: int = 10
    #: The query matched so many segments that only some of them were ranked; ``total`` then
    #: counts the transcripts among those (a lower bound).
    capped: bool = False
    team_counts: dict[int, int] = field(default_factory=dict)  # team id -> matching transcripts
    notices: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.hits else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.hits) - 1 if self.hits else 0


def _pieces(marked: str) -> list[tuple[str, bool]]:
    """Text with markers -> [(text, is_hit)], markers dropped (an unclosed one ends at the end)."""
    pieces: list[tuple[str, bool]] = []
    inside = False
    buffer = []
    for char in marked:
        if char in (MARK_START, MARK_END):
            if buffer:
                pieces.append(("".join(buffer), inside))
                buffer = []
            inside = char == MARK_START
        else:
            buffer.append(char)
    if buffer:
        pieces.append(("".join(buffer), inside))
    return pieces


def merge_marks(original: str, *marked: str) -> str:
    """``original`` with the hits of every marking of it (a marking of a text whose characters were
    swapped one for one, as PostgreSQL's are for ``<`` and ``>``, counts too)."""
    hits: set[int] = set()
    matched = False
    for text in marked:
        pieces = _pieces(text)
        if sum(len(piece) for piece, _ in pieces) != len(original):
            continue  # a marking of some other text adds nothing
        matched = True
        position = 0
        for piece, hit in pieces:
            if hit:
                hits.update(range(position, position + len(piece)))
            position += len(piece)
    if not matched:
        return original
    out, inside = [], False
    for position, char in enumerate(original):
        if (position in hits) != inside:
            inside = not inside
            out.append(MARK_START if inside else MARK_END)
        out.append(char)
    if inside:
        out.append(MARK_END)
    return "".join(out)


def has_marks(marked: str) -> bool:
    return MARK_START in marked


def _window(pieces: list[tuple[str, bool]], limit: int) -> tuple[list[tuple[str, bool]], bool, bool]:
    """About ``limit`` characters around the first hit, cut between words."""
    text = "".join(piece for piece, _ in pieces)
    if len(text) <= limit:
        return pieces, False, False
    first_hit, position = 0, 0
    for piece, hit in pieces:
        if hit:
            first_hit = position
            break
        position += len(piece)
    start = max(0, first_hit - CONTEXT_BEFORE)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first_hit else start
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first_hit else end
    kept, position = [], 0
    for piece, hit in pieces:
        piece_start, piece_end = position, position + len(piece)
        position = piece_end
        lo, hi = max(piece_start, start), min(piece_end, end)
        if lo < hi:
            kept.append((piece[lo - piece_start : hi - piece_start], hit))
    return kept, start > 0, end < len(text)


def _joined(pieces: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Hits with only spaces between them are one hit (a phrase is one mark on both databases)."""
    joined: list[tuple[str, bool]] = []
    for number, (piece, hit) in enumerate(pieces):
        between = 0 < number < len(pieces) - 1 and pieces[number - 1][1] and pieces[number + 1][1]
        if between and not piece.strip():
            hit = True
        if joined and joined[-1][1] == hit:
            joined[-1] = (joined[-1][0] + piece, hit)
        else:
            joined.append((piece, hit))
    return joined


def marked_html(marked: str, *, limit: int | None = SNIPPET_CHARS) -> SafeString:
    """Escaped text with the hits in <mark>, cut to about ``limit`` characters around the first."""
    pieces = _joined(_pieces(marked))
    before = after = False
    if limit is not None:
        pieces, before, after = _window(pieces, limit)
    html = "".join(f"<mark>{escape(piece)}</mark>" if hit else escape(piece) for piece, hit in pieces)
    return mark_safe(("… " if before else "") + html + (" …" if after else ""))  # noqa: S308 (escaped above)
