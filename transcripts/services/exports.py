"""Transcript downloads: TXT, SRT, WebVTT, DOCX, our JSON and the provider's raw JSON, one job or
many (a zip). Names people gave speakers and corrections are in every format but the raw one."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ..exports.document import to_docx
from ..exports.lines import ExportOptions, clock
from ..exports.subtitles import to_srt, to_vtt
from ..exports.text import to_text
from ..models import Job, Transcript
from ..providers import provider_label
from .transcript_view import export_lines, speakers_of


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    extension: str
    content_type: str


FORMATS: dict[str, ExportFormat] = {
    fmt.key: fmt
    for fmt in (
        ExportFormat("txt", "Text", "txt", "text/plain; charset=utf-8"),
        ExportFormat("srt", "SubRip subtitles", "srt", "application/x-subrip; charset=utf-8"),
        ExportFormat("vtt", "WebVTT subtitles", "vtt", "text/vtt; charset=utf-8"),
        ExportFormat(
            "docx", "Word", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        ExportFormat("json", "JSON (this app's transcript)", "json", "application/json"),
        ExportFormat("raw", "Provider's raw JSON", "raw.json", "application/json"),
    )
}
_UNSAFE_FILENAME = re.compile(r"[^\w .()-]+")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def _stem(job: Job) -> str:
    return (" ".join(_UNSAFE_FILENAME.sub("", job.title).split()) or "transcript")[:80]


def _facts(job: Job, transcript: Transcript) -> list[tuple[str, str]]:
    facts = [("Model", f"{job.model} ({provider_label(job.provider)})")]
    if transcript.duration:
        facts.append(("Length", clock(transcript.duration)))
    if transcript.language:
        facts.append(("Language", transcript.language))
    facts.append(("Created", timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M")))
    return facts


def our_json(job: Job, transcript: Transcript) -> dict[str, Any]:
    """The normalised transcript as stored (corrections included), with the speakers' names."""
    return {
        "id": str(job.pk),
        "title": job.title,
        "model": job.model,
        "provider": job.provider,
        "created_at": job.created_at.isoformat(),
        "language": transcript.language,
        "duration": transcript.duration,
        "channels": transcript.channels,
        "speakers": [{"label": label, "name": name} for label, name in speakers_of(transcript)],
        "text": transcript.text,
        "segments": transcript.segments,
        "words": transcript.words,
        "insights": transcript.insights,
    }


def export_transcript(*, job: Job, transcript: Transcript, fmt: str, options: ExportOptions) -> ExportFile:
    """One download; ``fmt`` is a key of ``FORMATS`` (KeyError otherwise)."""
    spec = FORMATS[fmt]
    lines = export_lines(transcript) if fmt in ("txt", "srt", "vtt", "docx") else []
    if fmt == "txt":
        content = to_text(title=job.title, lines=lines, options=options).encode()
    elif fmt == "srt":
        content = to_srt(lines=lines, options=options).encode()
    elif fmt == "vtt":
        content = to_vtt(lines=lines, options=options).encode()
    elif fmt == "docx":
        content = to_docx(title=job.title, facts=_facts(job, transcript), lines=lines, options=options)
    elif fmt == "json":
        content = json.dumps(our_json(job, transcript), ensure_ascii=False, indent=2).encode()
    else:
        content = json.dumps(transcript.raw or {}, ensure_ascii=False, indent=2).encode()
    return ExportFile(f"{_stem(job)}.{spec.extension}", spec.content_type, content)


def export_many(*, jobs: list[Job], fmt: str, options: ExportOptions) -> ExportFile:
    """A zip with one file per completed job (names made unique); jobs without a transcript skipped."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for job in jobs:
            transcript = getattr(job, "transcript", None)
            if transcript is None:
                continue
            exported = export_transcript(job=job, transcript=transcript, fmt=fmt, options=options)
            name, number = exported.filename, 2
            while name in used:
                stem, dot, extension = exported.filename.partition(".")
                name, number = f"{stem} ({number}){dot}{extension}", number + 1
            used.add(name)
            archive.writestr(name, exported.content)
    return ExportFile("transcripts.zip", "application/zip", buffer.getvalue())


def options_from(query) -> ExportOptions:
    """The export form's checkboxes (it sends ``choose=1``); a plain link includes everything."""
    if "choose" not in query:
        return ExportOptions()
    return ExportOptions(speakers="speakers" in query, timestamps="timestamps" in query)
