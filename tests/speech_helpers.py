"""Helpers for the local-engine and API tests: the shared clips with their reference texts, a word
error rate, and a real HTTP server on 127.0.0.1 serving the clips (plus redirect/slow/huge routes).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import jiwer

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
# The English half of multilingual.mp3 (the README quotes it with an ellipsis): the MIT licence grant.
MIT_GRANT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software "
    "and associated documentation files (the Software), to deal in the Software without restriction, "
    "including without limitation the rights to use, copy, modify, merge, publish, distribute, "
    "sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is "
    "furnished to do so, subject to the following conditions: The above copyright notice and this "
    "permission notice shall be included in all copies or substantial portions of the Software."
)


@cache
def references() -> dict[str, str]:
    """file name -> what is said, read from the table in the clips' README."""
    found = {}
    for line in (AUDIO / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and "." in cells[0] and cells[0] != "file":
            text = re.sub(r"\b(left|right):", " ", cells[3])
            found[cells[0]] = " ".join(text.split())
    return found


def normalise(text: str) -> str:
    text = text.lower().replace("-", " ").replace("/", " ")
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise(reference), normalise(hypothesis) or "<empty>")


class _Handler(SimpleHTTPRequestHandler):
    """Static files, plus /redirect?to=URL, /slow (drips bytes), /huge (claims a huge length)."""

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.server.requests.append((self.headers.get("Host", ""), self.path))
        if parts.path == "/redirect":
            self.send_response(int(query.get("code", ["302"])[0]))
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.end_headers()
            for _ in range(200):
                try:
                    self.wfile.write(b"\xff" * 64)
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        elif parts.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            if "no-length" not in query:
                self.send_header("Content-Length", str(10**12))
            self.end_headers()
            try:
                for _ in range(4096):
                    self.wfile.write(b"\xff" * 1024)
            except OSError:
                return
        else:
            super().do_GET()


@contextmanager
def audio_server(directory: Path = AUDIO) -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server on 127.0.0.1 (any free port); ``server.url(path)`` builds links."""

    def handler(*args, **kwargs):
        return _Handler(*args, directory=str(directory), **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.requests = []
    server.url = lambda path="": f"http://127.0.0.1:{server.server_address[1]}/{path.lstrip('/')}"
    server.redirect = lambda target, code=302: server.url(f"redirect?code={code}&to={quote(target, safe='')}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
