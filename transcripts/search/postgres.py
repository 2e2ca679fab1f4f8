"""The PostgreSQL backend: a stored tsvector per segment row, a GIN index, ts_rank, ts_headline.

Migration 0003 adds ``transcripts_searchsegment.vector`` (not a model field), its GIN index and a
trigger that fills it on every insert and update: the title (weight A) and the text (weight B)
with ``simple`` (every word as written, in any language), plus, when the transcript's language is
known, the same with that language's configuration (stems: "countries" finds "country"). A query
is rendered once per configuration in use (``Query.tsquery``); see ``_Match``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection

from ..models import SearchDocument
from .indexing import SIMPLE
from .query import MARK_END, MARK_START, Query
from .results import merge_marks
from .types import Found, JobSnippets

ORDER = {
    "relevance": "score DESC, created_at DESC, job_id",
    "newest": "created_at DESC, score DESC, job_id",
    "oldest": "created_at ASC, score DESC, job_id",
}
#: Which matches are ranked when there are more than the candidates: for relevance, the first the
#: scan meets (no sort, so a very common word costs no more than the cap); by date, the newest or
#: the oldest segments (then every match is read and sorted by id).
CANDIDATE_ORDER = {"relevance": "", "newest": "ORDER BY s.id DESC", "oldest": "ORDER BY s.id"}
#: What PostgreSQL's parser reads of a text column: "<" and ">" as spaces, or it would take
#: "<address>" for an HTML tag and skip the word (the trigger of migration 0003 does the same).
PARSED = "translate({}, '<>', '  ')"
#: ts_headline options: the whole segment, hits between the markers (cut to size in Python).
HEADLINE = f'HighlightAll=true, StartSel="{MARK_START}", StopSel="{MARK_END}"'


@cache
def _installed_configs(alias: str) -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        return frozenset(name for (name,) in cursor.fetchall())


def available_configs() -> set[str]:
    return set(_installed_configs(connection.alias))


def _configs_in_use() -> list[str]:
    used = set(SearchDocument.objects.values_list("config", flat=True).distinct())
    return [SIMPLE, *sorted(used & available_configs() - {SIMPLE})]


@dataclass
class Renderings:
    """A query's tsquery in every configuration in use, as PostgreSQL computed it (text)."""

    match: dict[str, str]  # what a segment must say (title or words)
    spoken: dict[str, str]  # the same in its words only (weight B), for moments
    excluded: dict[str, str]  # the words that leave a transcript out ({} for none)


def render(query: Query, configs: list[str]) -> Renderings:
    """Every rendering in one round trip, so each distinct one is searched once: most words stem
    to themselves, and a configuration whose rendering is ``simple``'s adds nothing."""
    parts, params, keys = [], [], []
    for config in configs:
        for kind, (sql, values) in (
            ("match", query.tsquery(config)),
            ("spoken", query.tsquery(config, spoken=True)),
            ("excluded", query.tsquery_excluded(config)),
        ):
            if sql:
                parts.append(f"({sql})::text")
                params += values
                keys.append((kind, config))
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        texts = cursor.fetchone()
    found: dict[str, dict[str, str]] = {"match": {}, "spoken": {}, "excluded": {}}
    for (kind, config), text in zip(keys, texts, strict=True):
        found[kind][config] = text or ""
    return Renderings(**found)


class _Match:
    """One rendering per configuration. A segment matches when its words as written match the
    ``simple`` rendering, or its stems match its own language's rendering (never another
    language's: an English stem must not match a word of a German segment). Renderings equal to
    ``simple``'s, or empty (only stop words), are left out; equal ones are searched together."""

    def __init__(self, renderings: dict[str, str]):
        self.simple_text = renderings.get(SIMPLE, "")
        self.renderings = renderings
        self.groups: dict[str, list[str]] = {}
        for config, text in renderings.items():
            if config != SIMPLE and text and text != self.simple_text:
                self.groups.setdefault(text, []).append(config)

    def where(self, alias: str) -> tuple[str, list]:
        parts, params = [], []
        if self.simple_text:
            parts.append(f"{alias}.vector @@ %s::tsquery")
            params.append(self.simple_text)
        for text, configs in self.groups.items():
            marks = ", ".join(["%s"] * len(configs))
            parts.append(f"({alias}.config IN ({marks}) AND {alias}.vector @@ %s::tsquery)")
            params += [*configs, text]
        return ("(" + " OR ".join(parts) + ")", params) if parts else ("FALSE", [])

    def any(self) -> tuple[str, list]:
        """Every distinct rendering ORed: one tsquery, for ts_rank and ts_headline."""
        texts = [text for text in [self.simple_text, *self.groups] if text]
        if not texts:
            return "''::tsquery", []
        return "(" + " || ".join(["%s::tsquery"] * len(texts)) + ")", texts

    def own(self, alias: str) -> tuple[str, list]:
        """The rendering of the segment's own configuration (for its ts_headline)."""
        cases, params = [], []
        for config, text in self.renderings.items():
            if config != SIMPLE and text != self.simple_text:
                cases.append("WHEN %s THEN %s::tsquery")
                params += [config, text]
        if not cases:
            return "%s::tsquery", [self.simple_text]
        return f"(CASE {alias}.config {' '.join(cases)} ELSE %s::tsquery END)", [*params, self.simple_text]

    def simple(self) -> tuple[str, list]:
        return "%s::tsquery", [self.simple_text]


def find(
    *,
    query: Query,
    jobs_sql: str,
    jobs_params: list,
    speaker: str,
    sort: str,
    limit: int,
    offset: int,
    candidates: int,
) -> Found:
    """The page of matching transcripts, how many match in all and per team (see sqlite.find)."""
    configs = _configs_in_use()
    rendered = render(query, configs)
    match = _Match(rendered.match)
    where, where_params = match.where("s")
    rank, rank_params = match.any()
    excluded_where, excluded_params = "", []
    if query.excluded:
        excluded, excluded_params = _Match(rendered.excluded).where("e")
        excluded_where = (
            f"AND s.job_id NOT IN (SELECT e.job_id FROM transcripts_searchsegment e WHERE {excluded})"  # noqa: S608
        )
    speaker_where = "AND UPPER(s.speaker) = UPPER(%s)" if speaker else ""
    # Only constants, placeholders and the ORM's own SQL are formatted in; values are parameters.
    sql = f"""
        WITH candidates AS (
            SELECT s.job_id, ts_rank(s.vector, {rank}) AS score
            FROM transcripts_searchsegment s
            WHERE {where} AND s.job_id IN ({jobs_sql}) {excluded_where} {speaker_where}
            {CANDIDATE_ORDER[sort]} LIMIT %s
        ),
        hits AS (
            SELECT c.job_id, MAX(c.score) AS score, COUNT(*) AS n FROM candidates c GROUP BY c.job_id
        ),
        ranked AS (
            SELECT h.job_id, j.team_id, j.created_at, h.score, h.n
            FROM hits h JOIN transcripts_job j ON j.id = h.job_id
        )
        SELECT * FROM (
            SELECT 0, job_id::text, score, n, NULL::bigint FROM ranked
            ORDER BY {ORDER[sort]} LIMIT %s OFFSET %s
        ) page
        UNION ALL SELECT 1, team_id::text, NULL, COUNT(*), NULL FROM ranked GROUP BY team_id
        UNION ALL SELECT 2, NULL, NULL, SUM(n), NULL FROM ranked
    """  # noqa: S608
    params = [*rank_params, *where_params, *jobs_params, *excluded_params, *([speaker] if speaker else [])]
    params += [candidates, limit, offset]
    with connection.cursor() as cursor:
        # A search is a short query: compiling it (JIT, on by default above a cost estimate)
        # would take longer than running it. For this transaction only.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = Found.from_rows(rows, candidates=candidates)
    found.renderings = rendered
    return found


def snippets(*, query: Query, page: dict, speaker: str, per_job: int, renderings) -> dict:
    """The page's transcripts' (``page``'s keys: job ids) best ``per_job`` moments, highlighted,
    how many moments match, and its title highlighted (see sqlite.snippets): one query. Both the
    language's and ``simple``'s highlights are kept, so a stem ("countries") and an exact word or
    phrase ("ask not what", stop words and all) are each marked."""
    if not page:
        return {}
    match = _Match(renderings.match)
    said = _Match(renderings.spoken)
    where, where_params = match.where("s")
    said_where, said_params = said.where("s")
    rank, rank_params = match.any()
    own, own_params = match.own("x")
    simple, simple_params = match.simple()
    job_ids = list(page)
    speaker_where = "AND UPPER(s.speaker) = UPPER(%s)" if speaker else ""
    # Only constants and placeholders are formatted in; every value is a parameter.
    sql = f"""
        SELECT x.id, x.job_id, x.rn, x.moments, x.text, x.title,
               ts_headline(x.config::regconfig, x.parsed_text, {own}, %s),
               ts_headline('simple', x.parsed_text, {simple}, %s),
               CASE WHEN x.rn = 1 THEN ts_headline(x.config::regconfig, x.parsed_title, {own}, %s) END,
               CASE WHEN x.rn = 1 THEN ts_headline('simple', x.parsed_title, {simple}, %s) END
        FROM (
            SELECT y.*,
                   ROW_NUMBER() OVER (PARTITION BY y.job_id ORDER BY y.said DESC, y.score DESC, y.id) AS rn,
                   COUNT(*) FILTER (WHERE y.said) OVER (PARTITION BY y.job_id) AS moments
            FROM (
                SELECT s.id, s.job_id, s.text, s.title, s.config,
                       {PARSED.format("s.text")} AS parsed_text, {PARSED.format("s.title")} AS parsed_title,
                       {said_where} AS said, ts_rank(s.vector, {rank}) AS score
                FROM transcripts_searchsegment s
                WHERE s.job_id IN ({", ".join(["%s"] * len(job_ids))}) AND {where} {speaker_where}
            ) y
        ) x
        WHERE x.rn <= %s AND (x.said OR x.rn = 1)
        ORDER BY x.job_id, x.rn
    """  # noqa: S608
    params: list = []
    for _ in range(2):
        params += [*own_params, HEADLINE, *simple_params, HEADLINE]
    params += [*said_params, *rank_params, *job_ids, *where_params, *([speaker] if speaker else []), per_job]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict = {}
    for segment_id, job_id, rn, moments, text, title, *headlines in rows:
        language_text, simple_text, language_title, simple_title = headlines
        result = found.setdefault(job_id, JobSnippets(moments=moments))
        if rn == 1:
            result.title = merge_marks(title, language_title or "", simple_title or "")
        result.segments.append((segment_id, merge_marks(text, language_text or "", simple_text or "")))
    return found
