"""The SQLite backend: FTS5 over the segment rows, bm25 ranking, FTS5's own highlights.

``transcripts_search_fts`` is an external-content FTS5 table over ``transcripts_searchsegment``
(columns title, text; tokenizer ``porter unicode61 remove_diacritics 0``), kept in step by the
triggers of migration 0003. Segment ids are ``document << 20 | index``, so hits are grouped by
transcript from the FTS5 rowids alone, without reading a row; only the page's transcripts are
then read, and only their best segments are highlighted.
"""

from __future__ import annotations

from django.db import connection

from ..models.search import SEGMENT_BITS
from .indexing import LANGUAGE_CONFIGS, SIMPLE
from .query import MARK_END, MARK_START, Query
from .types import Found, JobSnippets

FTS = "transcripts_search_fts"
#: bm25 weights of the columns (title, text): a word in the title counts four times.
RANK = "bm25(4.0, 1.0)"
#: Which matches are ranked when there are more than the candidates: the newest (FTS5 reads rowids
#: in either direction at no cost), the oldest when sorting oldest first.
CANDIDATE_ORDER = {"relevance": "DESC", "newest": "DESC", "oldest": "ASC"}
ORDER = {
    "relevance": "score DESC, created_at DESC, job_id",
    "newest": "created_at DESC, score DESC, job_id",
    "oldest": "created_at ASC, score DESC, job_id",
}


def available_configs() -> set[str]:
    """SQLite stems every language alike; the configuration is kept for a move to PostgreSQL."""
    return {SIMPLE, *LANGUAGE_CONFIGS.values()}


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
    """The page of matching transcripts, how many match in all and per team, in one statement.

    ``jobs_sql`` selects the ids of the jobs the user may see (``Job.objects.visible_to``): each
    matching segment's transcript is found from its rowid alone (``rowid >> 20``, one lookup by
    integer key) and kept only if its job is among them. At most ``candidates`` segments are
    ranked (``CANDIDATE_ORDER``); the answer says when there were more.
    """
    speaker_where = excluded_where = ""
    if query.excluded:
        excluded_where = f"AND d.id NOT IN (SELECT rowid >> {SEGMENT_BITS} FROM {FTS} WHERE {FTS} MATCH %s)"  # noqa: S608
    speaker_join = ""
    if speaker:  # one lookup by rowid per candidate
        speaker_join = "JOIN transcripts_searchsegment s ON s.id = transcripts_search_fts.rowid"
        speaker_where = "AND UPPER(s.speaker) = UPPER(%s)"
    sql = f"""
        WITH hits AS (
            SELECT c.doc AS doc, c.job_id AS job_id, -MIN(c.rank) AS score, COUNT(*) AS n,
                   MIN(c.segment) AS segment
            FROM (
                SELECT d.id AS doc, d.job_id AS job_id, {FTS}.rank AS rank, {FTS}.rowid AS segment
                FROM {FTS} JOIN transcripts_searchdocument d ON d.id = ({FTS}.rowid >> {SEGMENT_BITS})
                {speaker_join}
                WHERE {FTS} MATCH %s AND {FTS}.rank MATCH '{RANK}'
                  AND d.job_id IN ({jobs_sql}) {excluded_where} {speaker_where}
                ORDER BY {FTS}.rowid {CANDIDATE_ORDER[sort]} LIMIT %s
            ) c
            GROUP BY c.doc
        ),
        ranked AS (
            SELECT hits.job_id AS job_id, j.team_id AS team_id, j.created_at AS created_at,
                   hits.score AS score, hits.n AS n, hits.segment AS segment
            FROM hits JOIN transcripts_job j ON j.id = hits.job_id
        )
        SELECT * FROM (
            SELECT 0, job_id, score, n, segment FROM ranked ORDER BY {ORDER[sort]} LIMIT %s OFFSET %s
        )
        UNION ALL SELECT 1, team_id, NULL, COUNT(*), NULL FROM ranked GROUP BY team_id
        UNION ALL SELECT 2, NULL, NULL, SUM(n), NULL FROM ranked
    """  # noqa: S608
    params = [query.fts5(), *jobs_params]
    if query.excluded:
        params.append(query.fts5_excluded())
    if speaker:
        params.append(speaker)
    params += [candidates, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return Found.from_rows(rows, candidates=candidates)


def snippets(*, query: Query, page: dict, speaker: str, per_job: int, renderings=None) -> dict:
    """The page's transcripts' (``page``: job id -> a matching segment's rowid) best ``per_job`` moments,
    highlighted, how many moments match, and their titles highlighted. Two queries for the whole
    page, each one pass over the rowids from the page's first transcript to its last (a prefix is
    expanded once, not once per transcript): its matching segments' own words (``text : (…)``,
    the moments), and one matching segment per transcript (its title; a transcript that matches
    by its title alone shows that segment).

    bm25 is not used here: it would count each phrase over the whole table again. Within one
    transcript the best moments are those with the most hits (marks), earlier first on ties.
    """
    if not page:
        return {}
    first_rows = sorted(page.values())
    docs = sorted({row >> SEGMENT_BITS for row in first_rows})
    low, high = docs[0] << SEGMENT_BITS, ((docs[-1] + 1) << SEGMENT_BITS) - 1
    speaker_join = speaker_where = ""
    if speaker:
        speaker_join = "JOIN transcripts_searchsegment s ON s.id = transcripts_search_fts.rowid"
        speaker_where = "AND UPPER(s.speaker) = UPPER(%s)"
    speaker_params = [speaker] if speaker else []
    in_docs = ", ".join(["%s"] * len(docs))
    in_rows = ", ".join(["%s"] * len(first_rows))
    # "+rowid": a filter on the rows read, not a lookup per rowid (each would expand the query).
    titles = f"""
        SELECT rowid, highlight({FTS}, 1, %s, %s), highlight({FTS}, 0, %s, %s) FROM {FTS}
        WHERE {FTS} MATCH %s AND rowid BETWEEN %s AND %s AND +rowid IN ({in_rows})
    """  # noqa: S608
    said = f"""
        SELECT {FTS}.rowid, highlight({FTS}, 1, %s, %s) FROM {FTS} {speaker_join}
        WHERE {FTS} MATCH %s AND {FTS}.rowid BETWEEN %s AND %s
          AND ({FTS}.rowid >> {SEGMENT_BITS}) IN ({in_docs}) {speaker_where}
    """  # noqa: S608
    marks = [MARK_START, MARK_END]
    with connection.cursor() as cursor:
        cursor.execute(titles, [*marks, *marks, query.fts5(), low, high, *first_rows])
        first = {rowid >> SEGMENT_BITS: (rowid, text, title) for rowid, text, title in cursor.fetchall()}
        cursor.execute(said, [*marks, f"text : ({query.fts5()})", low, high, *docs, *speaker_params])
        moments: dict[int, list[tuple[int, str]]] = {}
        for rowid, text in cursor.fetchall():
            moments.setdefault(rowid >> SEGMENT_BITS, []).append((rowid, text))
    found = {}
    for job_id, row in page.items():
        document = row >> SEGMENT_BITS
        if document not in first:
            continue
        rowid, text, title = first[document]
        spoken = sorted(moments.get(document, []))
        best = sorted(spoken, key=lambda item: -item[1].count(MARK_START))[:per_job]  # stable
        found[job_id] = JobSnippets(title=title, moments=len(spoken), segments=best or [(rowid, text)])
    return found
