"""Benchmark: many cloud jobs in flight on one small django-q2 cluster, against the naive design.

Run:     .venv/bin/python bench/inflight.py            (or `make bench-inflight`)
Options: --jobs 1000 --delay 20 --workers 2 --naive-jobs 10 --timeout 300

What it measures (everything runs on this machine, over loopback only):
1. This project's design. JOBS URL jobs are submitted at once through ``submit_job`` (the same
   path as the web form and the API) against the fake AI/ML API (``tests/fake_aimlapi.py``), whose
   generations complete DELAY seconds after their create call. One real django-q2 cluster
   (``manage.py qcluster``, WORKERS workers, ORM broker) on a fresh SQLite database in a temp
   directory advances them with the cloud poller. Reported: seconds from the last submission
   until every transcript is stored (target < 60 s for 1,000 jobs of 20 s), jobs/s, the number of
   create calls the vendor saw (must equal JOBS), and the RSS of the cluster's processes sampled
   every second (should stay flat: nobody holds a job in memory while it waits).
2. The naive design (as in the vendor's sample scripts): one task per job that creates, then
   ``time.sleep``-polls until done. NAIVE_JOBS jobs on a cluster of the same size. Reported: its
   time and jobs/s, and the throughput ratio design / naive.
One JSON line with the figures is printed last. Figures and machine: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAIVE_POLL_SECONDS = 2.5  # the design's first poll delay, so both see results equally soon


def naive_job(job_id: str) -> None:
    """The naive design: this worker creates, then sleeps and polls until the result is there."""
    from transcripts.models import Job, JobState
    from transcripts.providers import get_provider
    from transcripts.providers.base import Finished, NoEvents
    from transcripts.services.pipeline import record_result

    job = Job.objects.select_related("key").get(pk=job_id)
    provider = get_provider("cloud")
    job.remote_id = provider.start(job, events=NoEvents()).remote_id
    Job.objects.filter(pk=job.pk).update(remote_id=job.remote_id, state=JobState.PROCESSING)
    while True:
        time.sleep(NAIVE_POLL_SECONDS)
        outcome = provider.check(job)
        if isinstance(outcome, Finished):
            record_result(job_id=job.pk, transcript=outcome.transcript)
            return


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _wait_all_final(job_ids: list, *, cluster_pid: int, timeout: float, samples: list) -> tuple[float, int]:
    """Wait until every job is completed (or failed); return the time and how many completed."""
    from transcripts.models import Job
    from transcripts.models.jobs import FINAL_STATES

    deadline = time.monotonic() + timeout
    next_sample = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_sample:
            per_process = {pid: _rss_mb(pid) for pid in _descendants(cluster_pid)}
            samples.append(
                {
                    "t": round(now, 1),
                    "total_mb": round(sum(per_process.values()), 1),
                    "max_process_mb": round(max(per_process.values(), default=0), 1),
                }
            )
            next_sample = now + 1.0
        jobs = Job.objects.filter(pk__in=job_ids)
        if jobs.filter(state__in=FINAL_STATES).count() == len(job_ids):
            return time.monotonic(), jobs.filter(transcript__isnull=False).count()
        time.sleep(0.25)
    raise SystemExit(f"timed out: not every job finished within {timeout:.0f} s")


def _rss_summary(samples: list) -> dict:
    totals = [sample["total_mb"] for sample in samples] or [0.0]
    return {
        "rss_total_mb_first": totals[0],
        "rss_total_mb_peak": max(totals),
        "rss_total_mb_last": totals[-1],
        "rss_max_process_mb": max((s["max_process_mb"] for s in samples), default=0.0),
        "rss_samples": len(samples),
    }


def run_design(args, *, owner, team, fake) -> dict:
    from django_q.models import OrmQ

    from tests.cluster import running_cluster
    from transcripts.services.submission import submit_job

    samples: list = []
    with running_cluster(STT_QUEUE_WORKERS=str(args.workers)) as processes:
        time.sleep(2)  # let the cluster boot: it is a running service that receives a burst
        started = time.monotonic()
        job_ids = [
            submit_job(
                user=owner, team=team, model_id="#g1_nova-2-general", url=f"https://example.com/call-{n}.mp3"
            ).pk
            for n in range(args.jobs)
        ]
        last_submitted = time.monotonic()
        done, completed = _wait_all_final(
            job_ids, cluster_pid=processes[0].pid, timeout=args.timeout, samples=samples
        )
    OrmQ.objects.all().delete()
    return {
        "jobs": args.jobs,
        "completed": completed,
        "submit_seconds": round(last_submitted - started, 2),
        "seconds_after_last_submission": round(done - last_submitted, 2),
        "seconds_total": round(done - started, 2),
        "jobs_per_second": round(args.jobs / (done - started), 2),
        "create_calls": fake.create_count,
        **_rss_summary(samples),
    }


def run_naive(args, *, owner, team, key, fake) -> dict:
    from django.utils import timezone
    from django_q.models import Schedule
    from django_q.tasks import async_task

    from tests.cluster import running_cluster
    from transcripts.models import Job, JobState

    Schedule.objects.all().delete()  # no sweep: it would start the design's poller on these jobs
    creates_before = fake.create_count
    never = timezone.now() + timedelta(days=3650)  # invisible to the poller
    jobs = [
        Job.objects.create(
            team=team,
            created_by=owner,
            title=f"naive {n}",
            source=Job.Source.URL,
            provider="cloud",
            source_url=f"https://example.com/naive-{n}.mp3",
            model="#g1_nova-2-general",
            key=key,
            state=JobState.PROCESSING,
            next_action_at=never,
        )
        for n in range(args.naive_jobs)
    ]
    samples: list = []
    with running_cluster(STT_QUEUE_WORKERS=str(args.workers)) as processes:
        time.sleep(2)
        started = time.monotonic()
        for job in jobs:
            async_task("bench.inflight.naive_job", str(job.pk))
        done, completed = _wait_all_final(
            [j.pk for j in jobs], cluster_pid=processes[0].pid, timeout=args.timeout, samples=samples
        )
    return {
        "jobs": args.naive_jobs,
        "completed": completed,
        "seconds_total": round(done - started, 2),
        "jobs_per_second": round(args.naive_jobs / (done - started), 3),
        "create_calls": fake.create_count - creates_before,
        **_rss_summary(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument(
        "--delay", type=float, default=20.0, help="seconds from create until a result is ready"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--naive-jobs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    # Ctrl-C or kill: leave through the context managers, which stop the clusters started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = Path(tempfile.mkdtemp(prefix="bench-inflight-"))
    sys.path.insert(0, str(ROOT))
    from tests.fake_aimlapi import GOOD_KEY, FakeAimlapi

    fake = FakeAimlapi().start()
    fake.add_key(GOOD_KEY, delay=args.delay)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "stt_site.settings",
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "STT_DATA_DIR": str(work / "data"),
            "MEDIA_ROOT": str(work / "media"),
            "AIMLAPI_BASE_URL": fake.url,
            "STT_QUEUE_NAME": f"bench-{os.getpid()}",
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "false",
        }
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from transcripts.services.keys import save_key
    from transcripts.services.teams import create_team

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench", "bench@example.com", "bench-password-123")
    team = create_team(user=owner, name="Bench")
    key = save_key(user=owner, secret=GOOD_KEY, by=owner)

    print(f"design: {args.jobs} jobs, each ready {args.delay:g} s after its create, {args.workers} workers…")
    design = run_design(args, owner=owner, team=team, fake=fake)
    print(json.dumps(design))
    print(f"naive: {args.naive_jobs} jobs, one sleeping worker per job, {args.workers} workers…")
    naive = run_naive(args, owner=owner, team=team, key=key, fake=fake)
    print(json.dumps(naive))
    fake.stop()
    result = {
        "benchmark": "inflight",
        "cpus": os.cpu_count(),
        "delay_seconds": args.delay,
        "workers": args.workers,
        "design": design,
        "naive": naive,
        "throughput_ratio": round(design["jobs_per_second"] / naive["jobs_per_second"], 1),
        "target_met": design["seconds_after_last_submission"] < 60
        and design["completed"] == design["create_calls"] == args.jobs,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
