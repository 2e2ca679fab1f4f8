"""HTTP Range answers for stored files (RFC 9110 §14): what lets the player seek in long recordings.

One byte range per request (what browsers' media elements send); ``bytes=a-b``, ``bytes=a-`` and
the suffix form ``bytes=-n``. A range that cannot be satisfied is a 416 with ``Content-Range:
bytes */size``; a header this does not understand (several ranges, another unit) is ignored and
the whole file is sent, as the RFC allows.
"""

from __future__ import annotations

import mimetypes
import re
from typing import IO

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


class Unsatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a ``Range`` header, None to send everything; ``Unsatisfiable``."""
    match = RANGE.match(header.strip().replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise Unsatisfiable
    return start, end


class _Slice:
    """A file-like view of ``length`` bytes from the current position (for FileResponse)."""

    def __init__(self, handle: IO[bytes], length: int) -> None:
        self._handle = handle
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        data = self._handle.read(wanted)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


def ranged_file_response(
    request, handle: IO[bytes], *, size: int, content_type: str, as_attachment: bool, filename: str
) -> HttpResponse:
    """The file, or the one range the request asked for (206), or 416."""
    header = request.headers.get("Range", "")
    try:
        wanted = byte_range(header, size) if header and request.method in ("GET", "HEAD") else None
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if wanted is None:
        response = FileResponse(
            handle, content_type=content_type, as_attachment=as_attachment, filename=filename
        )
        response["Content-Length"] = str(size)
    else:
        first, last = wanted
        handle.seek(first)
        response = FileResponse(
            _Slice(handle, last - first + 1),
            status=206,
            content_type=content_type,
            as_attachment=as_attachment,
            filename=filename,
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    return response


def audio_response(request, job, *, download: bool) -> HttpResponse:
    """A job's stored audio for a player (ranges) or as a download; never rendered as a page."""
    if not job.audio:
        raise Http404("No stored audio for this job")
    try:
        handle = job.audio.open("rb")
        size = job.audio.size
    except (FileNotFoundError, ValidationError) as error:
        raise Http404("The audio file is missing") from error
    guessed, _ = mimetypes.guess_type(job.original_filename or job.audio.name)
    content_type = (
        guessed if guessed and guessed.split("/")[0] in ("audio", "video") else "application/octet-stream"
    )
    response = ranged_file_response(
        request,
        handle,
        size=size,
        content_type=content_type,
        as_attachment=download,
        filename=job.original_filename or job.audio.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
