"""Benchmark: full-text search over 10,000 transcripts (about 1M segments), SQLite and PostgreSQL.

Run:     .venv/bin/python bench/search.py            (or `make bench-search`)
Options: --transcripts 10000 --segments 100 --queries 40 --naive 8 --backends sqlite,postgres
         --postgres postgres://postgres@127.0.0.1:5432/postgres (a server where it may create and
         drop the database bench_search)

What it measures, per backend, each in a process of its own on a fresh database (SQLite in a temp
directory; PostgreSQL in ``bench_search``, created and dropped here), migrated as the app is:
1. Building the corpus: TRANSCRIPTS finished jobs of one team, SEGMENTS segments each (8–25 words,
   drawn from a Zipf-distributed vocabulary of 30,000 words: English function words first, then
   business words, then a long tail of made-up English-like words), three speakers, 85 % English,
   10 % unknown language, 5 % German. Jobs and transcripts go in with ``bulk_create``, the index
   rows (the app's own ``segment_rows``) with executemany / COPY, so the database's triggers index
   them as they would any transcript. Reported: load time, the time to rebuild the word index
   from scratch (FTS5 'rebuild'; PostgreSQL: the GIN index, created after the load as a bulk load
   would), its size.
2. Searching through the app's ``transcripts.search.search()`` (the same call as the page: ranked,
   counted, first page of 10 with up to 3 highlighted snippets each) as a user who sees the whole
   corpus: QUERIES each of one-, two- and three-word queries, "phrases" and prefix* queries, made
   from words said in random segments (content words, not "the"). Reported: p50/p95/max ms.
3. The naive way, in the same run: ``Job.objects.filter(transcript__text__icontains=…)`` (every
   word ANDed), count and first page, NAIVE queries of each kind. Reported: p50/p95 and the ratio
   naive p50 / search p50.
One JSON line with the figures is printed last. Figures and machine: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_search"
TARGET_P95_MS = 50.0
KINDS = ("one", "two", "three", "phrase", "prefix")

FUNCTION_WORDS = """the of and to a in is that it you for was on are with as i be this have at we
they not but or from by what all were there can an your which their said if do will each about how up
out them then she many some so these would other into has more her two like him see time could no
make than first been its who now people my made over did down only way find use may long little very
after words called just where most know get go yes okay right so well think going really want need
because also here something thing things""".split()  # noqa: SIM905
CONTENT_WORDS = """budget meeting project customer revenue quarter launch design team market product
sales plan review growth cost data report strategy roadmap hiring feedback release contract invoice
support country president freedom citizens world liberty forecast board finance marketing campaign
pricing discount renewal churn pipeline onboarding training security compliance audit incident
outage deadline milestone sprint backlog estimate priority stakeholder vendor supplier warehouse
shipping logistics inventory procurement interview candidate salary benefits policy office remote
travel conference webinar partner integration platform dashboard analytics metrics retention
acquisition funnel conversion subscription license upgrade migration database server network cloud
storage backup recovery testing quality bug feature request ticket escalation survey research
prototype architecture interface mobile desktop browser account password login permission approval
signature legal regulation tax payroll expense receipt refund payment transfer bank loan investor
valuation equity shares dividend acquisition merger announcement press interview podcast episode
guest host audience listener question answer summary decision action owner follow agenda minutes
january february march april june july august september october november december monday tuesday
wednesday thursday friday weekend morning afternoon evening tomorrow yesterday today""".split()  # noqa: SIM905
ONSETS = "b c d f g h j k l m n p r s t v w z br ch cl cr dr fl fr gl gr pl pr sh sk sl st th tr".split()  # noqa: SIM905
VOWELS = "a e i o u a e i o u ai au ea ee io oa ou".split()  # noqa: SIM905
CODAS = ["", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng"]


def vocabulary(rng: random.Random, size: int = 30_000) -> tuple[list[str], list[float]]:
    """Words by rank and their cumulative Zipf weights (exponent 1.0)."""
    words = list(dict.fromkeys(FUNCTION_WORDS + CONTENT_WORDS))
    seen = set(words)
    while len(words) < size:  # made-up words that spell like English ones: names, jargon
        word = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.randint(2, 3))
        )
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))


class Corpus:
    """The same corpus in every process: everything is drawn from one seeded generator."""

    def __init__(self, transcripts: int, segments: int, seed: int = 7):
        self.rng = random.Random(seed)
        self.words, self.cumulative = vocabulary(self.rng)
        self.function = set(FUNCTION_WORDS)
        self.transcripts = transcripts
        self.segments = segments

    def sentence(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def documents(self):
        """(title, language, created days ago, [(start, speaker, text)]) per transcript."""
        rng = self.rng
        for number in range(self.transcripts):
            topic = [w for w in self.sentence(12) if w not in self.function][:3] or ["general"]
            title = f"{rng.choice(['Weekly sync', 'Call', 'Interview', 'Review', 'Standup'])}: " + " ".join(
                topic
            )
            language = rng.choices(["en", "", "de"], weights=[85, 10, 5])[0]
            start, lines = 0.0, []
            for _ in range(self.segments):
                words = self.sentence(rng.randint(8, 25))
                text = " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])
                lines.append((round(start, 2), rng.choice("012"), text))
                start += rng.uniform(2.0, 9.0)
            yield title, language, rng.uniform(0, 730), lines, number

    def queries(self, count: int, kind: str, lines_by_doc: list[list[str]]) -> list[str]:
        """Queries made of words said together in a random segment (so they find something)."""
        rng = random.Random(f"{kind}-{count}")
        found: list[str] = []
        while len(found) < count:
            text = rng.choice(rng.choice(lines_by_doc))
            words = [w.strip(".?!,").lower() for w in text.split()]
            content = [w for w in words if w not in self.function and len(w) > 3]
            if kind == "phrase":
                size = rng.choice([2, 3])
                starts = [i for i in range(len(words) - size + 1) if words[i] not in self.function]
                if starts:
                    first = rng.choice(starts)
                    found.append('"' + " ".join(words[first : first + size]) + '"')
            elif kind == "prefix" and content:
                word = rng.choice([w for w in content if len(w) >= 6] or content)
                found.append(word[: max(4, len(word) - 3)] + "*")
            else:
                size = {"one": 1, "two": 2, "three": 3}[kind]
                unique = list(dict.fromkeys(content))
                if len(unique) >= size:
                    found.append(" ".join(rng.sample(unique, size)))
        return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1),
        "n": len(values),
    }


# --- One backend, in its own process ---------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load(corpus: Corpus, owner, team) -> tuple[list[list[str]], float]:
    """Jobs, transcripts and index rows; returns the segment texts (for queries) and seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from transcripts.models import Job, JobState, SearchDocument, Transcript
    from transcripts.search import indexing

    now = timezone.now()
    available = indexing.LANGUAGE_CONFIGS.values()
    texts: list[list[str]] = []
    seconds = 0.0
    batch: list = []

    def flush(batch) -> float:
        started = time.perf_counter()
        with transaction.atomic():
            Job.objects.bulk_create([job for job, *_ in batch], batch_size=500)
            Transcript.objects.bulk_create([transcript for _, transcript, *_ in batch], batch_size=200)
            documents = SearchDocument.objects.bulk_create([doc for *_, doc, _ in batch], batch_size=500)
            rows = []
            for (job, _transcript, _document, lines), document in zip(batch, documents, strict=True):
                for row in indexing.segment_rows(
                    document_id=document.pk,
                    job_id=job.pk,
                    title=job.title,
                    config=document.config,
                    segments=[{"start": s, "text": t, "speaker": p} for s, p, t in lines],
                    speaker_names={"0": "Maya Chen"},
                    text="",
                ):
                    rows.append(row)
            _insert_segments(connection, rows)
        return time.perf_counter() - started

    for title, language, days, lines, number in corpus.documents():
        job = Job(
            id=uuid.UUID(int=number + 1),
            team=team,
            created_by=owner,
            title=title,
            source=Job.Source.UPLOAD,
            provider=Job.Provider.LOCAL,
            model="local/whisper-base",
            state=JobState.COMPLETED,
            progress=1.0,
            created_at=now - timedelta(days=days),
            finished_at=now - timedelta(days=days),
        )
        text = " ".join(t for _, _, t in lines)
        transcript = Transcript(job=job, text=text, language=language, duration=lines[-1][0] + 5, segments=[])
        document = SearchDocument(job=job, language=language, config=indexing.config_for(language, available))
        batch.append((job, transcript, document, lines))
        texts.append([t for _, _, t in lines])
        if len(batch) == 250:
            seconds += flush(batch)
            batch = []
            if (number + 1) % 2000 == 0:
                log(f"  {number + 1} transcripts loaded ({seconds:.0f} s in the database)")
    if batch:
        seconds += flush(batch)
    return texts, seconds


COLUMNS = ("id", "job_id", "index", "start", "speaker", "title", "text", "config")


def _insert_segments(connection, rows: list[dict]) -> None:
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY transcripts_searchsegment "
                '(id, job_id, "index", start, speaker, title, text, config) FROM STDIN'
            ) as copy,
        ):
            for row in rows:
                copy.write_row([row[column] for column in COLUMNS])
        return
    raw = connection.connection
    raw.executemany(
        'INSERT INTO transcripts_searchsegment (id, job_id, "index", start, speaker, title, text, config) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r["id"],
                r["job_id"].hex,
                r["index"],
                r["start"],
                r["speaker"],
                r["title"],
                r["text"],
                r["config"],
            )
            for r in rows
        ],
    )


def index_size_mb() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'transcripts_search_fts%%' "
                "AND name != 'transcripts_search_fts'"
            )
            fts = cursor.fetchone()[0] or 0
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'transcripts_searchsegment%%'")
            rows = cursor.fetchone()[0] or 0
            return {"index_mb": round(fts / 2**20, 1), "segment_rows_mb": round(rows / 2**20, 1)}
        cursor.execute(
            "SELECT pg_relation_size('transcripts_searchsegment_vector'), "
            "(SELECT SUM(pg_column_size(vector)) FROM transcripts_searchsegment), "
            "pg_total_relation_size('transcripts_searchsegment')"
        )
        gin, vectors, total = cursor.fetchone()
        return {
            "index_mb": round(gin / 2**20, 1),
            "vectors_mb": round(vectors / 2**20, 1),
            "segment_rows_mb": round(total / 2**20, 1),
        }


def rebuild_seconds() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO transcripts_search_fts(transcripts_search_fts) VALUES ('rebuild')")
        else:
            cursor.execute(
                "CREATE INDEX transcripts_searchsegment_vector "
                "ON transcripts_searchsegment USING gin (vector)"
            )
    return time.perf_counter() - started


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def naive_search(user, query: str) -> None:
    """What search looks like without an index: every word (or the phrase, or the prefix) as a
    case-insensitive substring of the transcript's text, the count and the first page."""
    from transcripts.models import Job, JobState

    jobs = Job.objects.visible_to(user).filter(state=JobState.COMPLETED)
    words = [query.strip('"')] if query.startswith('"') else [w.rstrip("*") for w in query.split()]
    for word in words:
        jobs = jobs.filter(transcript__text__icontains=word)
    jobs.count()
    list(jobs.order_by("-created_at").values_list("title", flat=True)[:10])


def run_backend(args) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from transcripts import search as search_module
    from transcripts.services.teams import create_team

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench", "bench@example.com", "bench-password-123")
    team = create_team(user=owner, name="Bench")
    corpus = Corpus(args.transcripts, args.segments)
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:  # a bulk load: the GIN index is built after the rows
            cursor.execute("DROP INDEX transcripts_searchsegment_vector")
    log(f"{vendor}: loading {args.transcripts} transcripts × {args.segments} segments…")
    started = time.perf_counter()
    texts, database_seconds = load(corpus, owner, team)
    load_seconds = time.perf_counter() - started
    if vendor == "postgresql":
        build = rebuild_seconds()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        build = None
    sizes = index_size_mb()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM transcripts_searchsegment")
        segments = cursor.fetchone()[0]
    log(f"{vendor}: {segments} segments in {load_seconds:.0f} s; index {sizes}")

    queries = {kind: corpus.queries(args.queries, kind, texts) for kind in KINDS}
    for query in queries["one"][:5]:  # warm the caches a little, as a running site would be
        search_module.search(user=owner, query=query)
    results: dict = {}
    all_ms: list[float] = []
    all_naive: list[float] = []
    capped = 0
    for kind in KINDS:
        times = []
        for query in queries[kind]:
            outcome = {}
            times.append(
                timed(lambda q=query, o=outcome: o.update(r=search_module.search(user=owner, query=q)))
            )
            capped += outcome["r"].capped
            if search_module.FAILED in outcome["r"].notices:
                raise SystemExit(f"search failed for {query!r}")
        naive = [timed(lambda q=query: naive_search(owner, q)) for query in queries[kind][: args.naive]]
        results[kind] = {"search": summary(times), "naive": summary(naive), "examples": queries[kind][:3]}
        all_ms += times
        all_naive += naive
        timing = results[kind]
        log(
            f"{vendor}: {kind:6} search p50 {timing['search']['p50_ms']} ms, "
            f"p95 {timing['search']['p95_ms']} ms; naive p50 {timing['naive']['p50_ms']} ms"
        )
    if vendor == "sqlite":
        build = rebuild_seconds()  # after the queries: they ran on the index as the loading left it
    overall = summary(all_ms)
    naive_overall = summary(all_naive)
    return {
        "backend": vendor,
        "transcripts": args.transcripts,
        "segments": segments,
        "load_seconds": round(load_seconds, 1),
        "load_database_seconds": round(database_seconds, 1),
        "index_build_seconds": round(build, 1),
        **sizes,
        "queries": results,
        "all": overall,
        "naive_all": naive_overall,
        "capped_queries": capped,
        "naive_over_search_p50": round(naive_overall["p50_ms"] / overall["p50_ms"], 1),
        "target_met": all(results[kind]["search"]["p95_ms"] <= TARGET_P95_MS for kind in KINDS),
    }


# --- The run: one process per backend -------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", type=int, default=10_000)
    parser.add_argument("--segments", type=int, default=100)
    parser.add_argument("--queries", type=int, default=40, help="timed searches of each kind")
    parser.add_argument("--naive", type=int, default=8, help="timed naive scans of each kind")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.worker:
        print(json.dumps(run_backend(args)))
        return

    figures = []
    for backend in args.backends.split(","):
        work = Path(tempfile.mkdtemp(prefix="bench-search-"))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "stt_site.settings",
            "STT_DATA_DIR": str(work / "data"),
            "MEDIA_ROOT": str(work / "media"),
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "false",
        }
        env.pop("REDIS_URL", None)
        if backend == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        else:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as server:
                server.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
                server.execute(f"CREATE DATABASE {BENCH_DB}")
            env["DATABASE_URL"] = args.postgres.rsplit("/", 1)[0] + f"/{BENCH_DB}"
        command = [sys.executable, __file__, "--worker", backend]
        command += ["--transcripts", str(args.transcripts), "--segments", str(args.segments)]
        command += ["--queries", str(args.queries), "--naive", str(args.naive)]
        try:
            done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True)
            figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
        finally:
            if backend != "sqlite":
                with psycopg.connect(args.postgres, autocommit=True) as server:
                    server.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            for path in sorted(work.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            work.rmdir()
    print(
        json.dumps(
            {
                "benchmark": "search",
                "cpus": os.cpu_count(),
                "target_p95_ms": TARGET_P95_MS,
                "backends": figures,
                "target_met": all(figure["target_met"] for figure in figures),
            }
        )
    )


if __name__ == "__main__":
    main()
