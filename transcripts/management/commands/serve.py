"""Run the whole product on one machine: the web server and both django-q2 clusters.

`make run` calls this. Ctrl-C (SIGINT) or SIGTERM stops every child cleanly; if one child dies
the others are stopped too, so the product is never half up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

ROOT = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = "Start gunicorn, the network task cluster and the inference cluster together."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args, host: str, port: int, web_workers: int, **options) -> None:
        python = sys.executable
        children = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "stt_site.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--timeout",
                "600",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "-",
            ],
            "tasks": [python, str(ROOT / "manage.py"), "qcluster"],
            "inference": [python, str(ROOT / "manage.py"), "qcluster"],
        }
        processes: dict[str, subprocess.Popen] = {}
        for name, command in children.items():
            env = os.environ.copy()
            if name == "inference":
                env["Q_CLUSTER_NAME"] = settings.INFERENCE_CLUSTER
            processes[name] = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
        self.stdout.write(
            self.style.SUCCESS(f"Transcribe is running on http://{host}:{port}/ — Ctrl-C stops it.")
        )

        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with code {process.returncode}; stopping the rest.")
                    exit_code = process.returncode or 1
                    stopping = True
            time.sleep(0.5)
        self._stop_all(processes)
        if exit_code:
            sys.exit(exit_code)

    def _stop_all(self, processes: dict[str, subprocess.Popen]) -> None:
        self.stdout.write("Stopping…")
        for process in processes.values():
            if process.poll() is None:
                # Only the leader: qcluster's sentinel stops its own workers in order, and a
                # group-wide SIGTERM makes it wait for workers that are already gone.
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in processes.items():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.stdout.write(self.style.SUCCESS("Stopped."))
