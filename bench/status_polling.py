"""Benchmark: what live updates cost the server. The polled fragments under load, and how many
requests one open page makes per minute under the polling schedule of static/js/live.js.

Run:     .venv/bin/python bench/status_polling.py        (or `make bench-polling`); about 4 minutes.
Options: --jobs 10000 --active 50 --teams 4 --clients 8 --seconds 10 --rate 50 --web-workers 2

1. A fresh SQLite database in a temp data directory (STT_DATA_DIR): JOBS jobs in TEAMS teams of
   one user, ACTIVE of them active (queued, submitting, processing; among the newest, so the
   list's first page has some), the rest completed with small transcripts, over 90 days.
2. gunicorn on 127.0.0.1 (a free port) as `manage.py serve` runs it (gthread, 4 threads per
   worker, WEB_WORKERS workers); the session cookie comes from Django's test client.
3. The requests an open page sends when it polls: the Transcripts list's rows fragment
   (``GET /transcripts/?live=…``, HX-Request) and an active job's status card
   (``GET /transcripts/<id>/status/?was=active&live=…``), each *changed* (the fragment is
   rendered, 200) and *unchanged* (the poll sends back the version it shows: 204, no render).
   CLIENTS threads with keep-alive connections send each back to back for SECONDS seconds
   (closed loop: capacity; latency is mostly queueing behind the other clients). Reported: p50,
   p95, p99 latency (ms), requests/s, errors, gunicorn's own CPU time per request (from /proc,
   so other load on the machine does not count) and the queries one request makes. Target: p95
   <= 20 ms. Three phases: ``no_statistics`` (the database as the app leaves it: SQLite's
   planner has no table statistics), ``analyzed`` (after ANALYZE, what ``PRAGMA optimize``
   gives) and ``persistent_connections`` (analyzed, CONN_MAX_AGE=600 instead of a new SQLite
   connection per request). In ``analyzed`` each case also runs *paced*: RATE requests/s on a
   schedule (RATE × 2 pages polling every 2 s); latency counts from the scheduled moment.
4. Requests per minute one open page sends under live.js's schedule (interval = the newest active
   job's age / 30, between 2 and 10 s) for a job 30 s and 10 min old, against the naive design
   (every active row polling on its own every 3 s, 50 on a page; a job card every 2 s), and the
   server CPU that costs per minute.
One JSON line with the figures is printed last. Figures and machine: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PHASES = ("no_statistics", "analyzed", "persistent_connections")
PERSISTENT_SETTINGS = """from stt_site.settings import *  # noqa: F403
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
"""
# The schedule of static/js/live.js (keep in step with it).
MIN_INTERVAL, MAX_INTERVAL, AGE_PER_SECOND = 2.0, 10.0, 30.0
NAIVE_LIST_SECONDS, NAIVE_CARD_SECONDS, NAIVE_ACTIVE_ROWS = 3.0, 2.0, 50
WORDS = ("so", "the", "board", "agreed", "to", "move", "the", "launch", "to", "march", "and", "review")


def interval(age: float) -> float:
    return min(MAX_INTERVAL, max(MIN_INTERVAL, age / AGE_PER_SECOND))


def polls_in_a_minute(age: float) -> int:
    """Requests one open page sends in the minute after its newest active job is ``age`` s old."""
    elapsed, count = 0.0, 0
    while True:
        elapsed += interval(age + elapsed)
        if elapsed > 60:
            return count
        count += 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _transcript_for(job, rng: random.Random):
    from transcripts.models import Transcript

    texts = [" ".join(rng.choice(WORDS) for _ in range(10)) for _ in range(3)]
    segments = [{"start": n * 4.0, "end": n * 4.0 + 4, "text": t, "speaker": 0} for n, t in enumerate(texts)]
    words = [
        {"text": w, "start": n * 0.4, "end": n * 0.4 + 0.3} for n, w in enumerate(" ".join(texts).split())
    ]
    return Transcript(
        job=job,
        text=" ".join(texts),
        language="en",
        duration=rng.uniform(30, 3600),
        segments=segments,
        words=words,
    )


def seed(args) -> tuple:
    """The user, their teams and jobs; returns (user, an active job)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from transcripts.models import Job, JobState, Membership, Role
    from transcripts.services.teams import create_team

    rng = random.Random(42)
    user = get_user_model().objects.create_user("bench", "bench@example.com", "bench-password-123")
    teams = [create_team(user=user, name="bench's workspace", personal=True)]
    for n in range(1, args.teams):
        team = create_team(user=get_user_model().objects.create_user(f"lead{n}"), name=f"Team {n}")
        Membership.objects.create(team=team, user=user, role=Role.MEMBER)
        teams.append(team)
    now = timezone.now()
    active_states = [JobState.QUEUED, JobState.SUBMITTING, JobState.PROCESSING]
    # The newest 3 × ACTIVE jobs hold every active one (every third), so page 1 has some.
    active_slots = set(range(0, 3 * args.active, 3))
    jobs = []
    for n in range(args.jobs):
        active = n in active_slots
        created = now - timedelta(seconds=20 + n * (90 * 86400 / args.jobs))
        jobs.append(Job(
            team=teams[n % len(teams)], created_by=user, source=Job.Source.UPLOAD, provider="local",
            title=f"{rng.choice(['Board meeting', 'Interview', 'Lecture', 'Standup'])} {n:05d}",
            original_filename=f"recording-{n:05d}.mp3",
            model="local/whisper-tiny.en" if n % 2 else "#g1_nova-2-general",
            state=active_states[(n // 3) % 3] if active else JobState.COMPLETED,
            progress=0.45 if active else None,
            created_at=created, finished_at=None if active else created + timedelta(minutes=2),
        ))  # fmt: skip
    Job.objects.bulk_create(jobs, batch_size=1000)
    from transcripts.models import Transcript

    transcripts = [_transcript_for(job, rng) for job in jobs if job.state == JobState.COMPLETED]
    Transcript.objects.bulk_create(transcripts, batch_size=1000)
    return user, next(job for job in jobs if job.state == JobState.PROCESSING)


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def session_cookie(user) -> str:
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={_client(user).cookies[settings.SESSION_COOKIE_NAME].value}"


def query_count(user, path: str, headers: dict) -> int:
    """Queries one request makes (templates compiled, as in a warm server)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(user)
    client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code in (200, 204), (path, response.status_code)
    return len(queries)


def poll_path(user, path: str, headers: dict) -> str:
    """The address the region polls next: its hx-get, with the version it shows (``live=``)."""
    html = _client(user).get(path, headers=headers).content.decode()
    found = re.search(r'hx-get="([^"]*[?&](?:amp;)?live=[0-9a-f]+)"', html)
    assert found, f"no live region in {path}"
    return unescape(found.group(1))


def start_server(args, env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", "stt_site.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(args.web_workers), "--threads", "4",
        "--worker-class", "gthread", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants (gunicorn's workers)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        try:
            stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (ValueError, OSError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(child for child, fields in stats.items() if int(fields[1]) == pid)
        if pid in stats:
            total += int(stats[pid][11]) + int(stats[pid][12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def load(port: int, path: str, headers: dict, *, clients: int, seconds: float, rate: float = 0) -> dict:
    """CLIENTS keep-alive connections sending ``path`` for ``seconds``: back to back (closed loop,
    the server's capacity), or, with ``rate``, on a fixed schedule of RATE requests/s in all (open
    loop, as many open pages polling would); then latency counts from the scheduled moment, so a
    server that falls behind shows it."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    begin = time.perf_counter()
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            if rate:
                started = begin + (len(mine) * clients + number) / rate
                time.sleep(max(0.0, started - time.perf_counter()))
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status in (200, 204)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            failed += not ok
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for number in range(clients):
            pool.submit(client, number)
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)

    def pct(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {
        "requests": len(ordered),
        "errors": errors[0],
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "requests_per_second": round(len(ordered) / elapsed, 1),
    }


def schedule_figures() -> dict:
    ours = {"job_30s_old": polls_in_a_minute(30), "job_10min_old": polls_in_a_minute(600)}
    naive_list = round(NAIVE_ACTIVE_ROWS * 60 / NAIVE_LIST_SECONDS)
    naive_card = round(60 / NAIVE_CARD_SECONDS)
    return {
        "requests_per_minute_one_page": ours,
        "naive_list_50_active_rows_every_3s": naive_list,
        "naive_job_card_every_2s": naive_card,
        "ratio_list_naive_vs_ours_30s": round(naive_list / ours["job_30s_old"], 1),
        "ratio_list_naive_vs_ours_10min": round(naive_list / ours["job_10min_old"], 1),
        "ratio_card_naive_vs_ours_10min": round(naive_card / ours["job_10min_old"], 1),
    }


def page_cost(schedule: dict, figures: dict) -> dict:
    """Server CPU ms one open page costs per minute: its polls × the CPU one poll took. Ours as
    [every poll unchanged (204), every poll changed (rendered)]; the naive list's rows each fetch
    a one-job fragment (costed as a status card)."""
    ours = schedule["requests_per_minute_one_page"]
    cpu = {name: value["server_cpu_ms_per_request"] for name, value in figures.items()}

    def span(polls: int, region: str) -> list[int]:
        return [round(polls * cpu[f"{region}_unchanged"]), round(polls * cpu[f"{region}_changed"])]

    return {
        "list_job_30s_old": span(ours["job_30s_old"], "list"),
        "list_job_10min_old": span(ours["job_10min_old"], "list"),
        "naive_list_50_active_rows": round(
            schedule["naive_list_50_active_rows_every_3s"] * cpu["status_card_changed"]
        ),
        "card_job_30s_old": span(ours["job_30s_old"], "status_card"),
        "naive_card_every_2s": round(schedule["naive_job_card_every_2s"] * cpu["status_card_changed"]),
    }


@dataclass
class Server:
    """A running gunicorn and what every measurement against it needs."""

    args: argparse.Namespace
    process: subprocess.Popen
    port: int
    user: object
    cookie: str


def measure(server: Server, path: str, headers: dict, *, unchanged: bool, paced: dict | None) -> dict:
    """One endpoint, closed loop (and, given ``paced``, at a fixed rate into it): a *changed* poll
    renders the fragment; an *unchanged* one sends back the version it shows (read just before)
    and gets 204."""
    args = server.args
    asked = poll_path(server.user, path, headers) if unchanged else path
    queries = query_count(server.user, asked, headers)
    sent = {**headers, "Cookie": server.cookie}
    load(server.port, asked, sent, clients=args.clients, seconds=2)  # warm up
    print(f"{args.clients} clients for {args.seconds:g} s on {asked}…")
    cpu_before = _cpu_seconds(server.process.pid)
    figures = load(server.port, asked, sent, clients=args.clients, seconds=args.seconds)
    # The server's own CPU time per request: what a poll costs, whatever else the machine runs.
    cpu_ms = (_cpu_seconds(server.process.pid) - cpu_before) * 1000 / max(figures["requests"], 1)
    figures.update(server_cpu_ms_per_request=round(cpu_ms, 2), queries=queries)
    print(json.dumps(figures))
    if paced is not None:
        paced.update(
            load(server.port, asked, sent, clients=args.clients, seconds=args.seconds, rate=args.rate)
        )
        print(f"paced at {args.rate:g}/s:", json.dumps(paced))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=50)
    parser.add_argument("--teams", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="load per endpoint")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=50.0, help="paced runs, requests/s (0: none)")
    args = parser.parse_args()
    load_before = round(os.getloadavg()[0], 2)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = Path(tempfile.mkdtemp(prefix="bench-polling-"))
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(DJANGO_SETTINGS_MODULE="stt_site.settings", STT_DATA_DIR=str(work / "data"))
    os.environ.update(LOG_LEVEL="WARNING", STT_QUEUE_NAME=f"bench-polling-{os.getpid()}")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    print(f"seeding {args.jobs} jobs ({args.active} active) in {args.teams} teams…")
    seeded = time.monotonic()
    user, active_job = seed(args)
    print(f"seeded in {time.monotonic() - seeded:.1f} s")
    cookie = session_cookie(user)
    htmx = {"HX-Request": "true"}
    regions = {
        "list": (reverse("job_list"), {**htmx, "HX-Trigger": "job-rows", "HX-Target": "job-rows"}),
        "status_card": (
            reverse("job_status", args=[active_job.pk]) + "?was=active",
            {**htmx, "HX-Trigger": "job-status", "HX-Target": "job-status"},
        ),
    }
    results: dict[str, dict] = {}
    for phase in PHASES:
        env = os.environ.copy()
        if phase == "analyzed":
            # What `PRAGMA optimize` (or ANALYZE) gives SQLite's query planner: table statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            connection.close()
        if phase == "persistent_connections":  # and each gunicorn thread keeps its connection
            (work / "bench_settings.py").write_text(PERSISTENT_SETTINGS)
            env.update(DJANGO_SETTINGS_MODULE="bench_settings", PYTHONPATH=f"{work}:{ROOT}")
        print(f"{phase}:")
        process, port = start_server(args, env)
        server = Server(args, process, port, user, cookie)
        try:
            for region, (path, headers) in regions.items():
                for case in ("changed", "unchanged"):
                    name = f"{region}_{case}"
                    paced = (
                        results.setdefault("paced", {}).setdefault(name, {})
                        if phase == "analyzed" and args.rate
                        else None
                    )
                    results.setdefault(phase, {})[name] = measure(
                        server, path, headers, unchanged=case == "unchanged", paced=paced
                    )
        finally:
            stop_server(process)

    schedule = schedule_figures()
    setup = {key: getattr(args, key) for key in ("jobs", "active", "teams", "clients", "web_workers", "rate")}
    met = {
        phase: all(f["p95_ms"] <= 20 and not f["errors"] for f in got.values())
        for phase, got in results.items()
    }
    figures = {"benchmark": "status_polling", "cpus": os.cpu_count(), **setup}
    figures["load_average_before_after"] = [load_before, round(os.getloadavg()[0], 2)]
    figures.update(results, schedule=schedule, p95_target_ms=20, target_met=met)
    figures["server_cpu_ms_per_minute_one_page"] = page_cost(schedule, results["analyzed"])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
