"""What the two backends hand back to ``transcripts.search``: plain rows, no models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PAGE, TEAM, SEGMENTS = 0, 1, 2  # the kinds of row a backend's find query answers with


@dataclass
class PageRow:
    job_id: Any
    score: float
    matches: int
    segment: int | None = None  # SQLite: the rowid of one of its matching segments


@dataclass
class Found:
    page: list[PageRow] = field(default_factory=list)
    total: int = 0
    team_counts: dict[int, int] = field(default_factory=dict)
    capped: bool = False
    renderings: Any = None  # PostgreSQL: the query as each configuration renders it

    @classmethod
    def from_rows(cls, rows, *, candidates: int) -> Found:
        """Rows (kind, key, score, count, segment): the page's transcripts in order, then one row
        per team (team id, transcripts), then one with the number of segments ranked."""
        found = cls()
        for kind, key, score, count, segment in rows:
            if kind == PAGE:
                found.page.append(
                    PageRow(job_id=key, score=float(score or 0), matches=int(count), segment=segment)
                )
            elif kind == TEAM:
                found.team_counts[int(key)] = int(count)
            elif kind == SEGMENTS:
                found.capped = int(count or 0) >= candidates
        found.total = sum(found.team_counts.values())
        return found


@dataclass
class JobSnippets:
    """One transcript's highlights: hits between MARK_START and MARK_END."""

    title: str = ""  # the title, marked ("" when it has no hit)
    moments: int = 0  # segments whose words match (a match in the title alone is not a moment)
    segments: list[tuple[int, str]] = field(default_factory=list)  # (segment id, marked text), best first
