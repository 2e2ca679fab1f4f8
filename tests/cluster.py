"""A real django-q2 cluster for tests: ``manage.py qcluster`` subprocesses on the test database.

Tests that use it need committed data (``transactional_db``) because the cluster is another
process. The broker is whatever the settings say (ORM by default, Redis with REDIS_URL).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    conf = connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    user = conf.get("USER") or ""
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}/{conf['NAME']}"


def cluster_env(**overrides: str) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "stt_site.settings",
            "DATABASE_URL": test_database_url(),
            "STT_QUEUE_NAME": settings.Q_QUEUE_NAME,
            "STT_DATA_DIR": str(settings.DATA_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "AIMLAPI_BASE_URL": settings.AIMLAPI_BASE_URL,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if settings.FIELD_ENCRYPTION_KEYS:
        env["FIELD_ENCRYPTION_KEYS"] = ",".join(settings.FIELD_ENCRYPTION_KEYS)
    env.update(overrides)
    return env


@contextmanager
def running_cluster(*, inference: bool = False, **env_overrides: str) -> Iterator[list[subprocess.Popen]]:
    """Start the network cluster (and the inference cluster when asked); stop them afterwards."""
    env = cluster_env(**env_overrides)
    log_dir = ROOT / "test-artifacts" / "cluster-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    names = [None, settings.INFERENCE_CLUSTER] if inference else [None]
    processes: list[subprocess.Popen] = []
    for name in names:
        proc_env = dict(env)
        if name:
            proc_env["Q_CLUSTER_NAME"] = name
        log = open(log_dir / f"{name or 'default'}-{os.getpid()}.log", "ab")  # noqa: SIM115
        processes.append(
            subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "qcluster"],
                env=proc_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                # Only the cluster's main process: it stops its workers in ~2 s. SIGTERM to the whole
                # group makes it wait ~20 s for children that already died.
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            with contextlib.suppress(ProcessLookupError):  # any worker left behind
                os.killpg(process.pid, signal.SIGKILL)


def wait_for(
    condition: Callable[[], object], *, timeout: float, interval: float = 0.2, what: str = ""
) -> object:
    """Poll ``condition`` until it returns something truthy; fail the test with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
