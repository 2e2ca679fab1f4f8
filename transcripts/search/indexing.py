"""Keeping the index in step: ``index_job`` rewrites one transcript's rows from what people see.

A transcript is indexed segment by segment, as it is shown: corrections applied and each speaker
under the name people gave it, with the job's title on every row (a title word is a match too).
The row builders are plain functions over plain values, so the migration that creates the index
can fill it with the historical models.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.db import transaction

from ..models import Job, JobState, SearchDocument, SearchSegment, Transcript
from ..models.search import MAX_SEGMENTS, SEGMENT_BITS
from .query import SIMPLE, clean_text

BATCH = 500
#: Transcript.language (ISO 639-1, as the engines report it) -> PostgreSQL text search configuration.
LANGUAGE_CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}


def config_for(language: str, available: Collection[str] | None = None) -> str:
    """The text search configuration for a transcript's language ("en", "en-US", "English");
    ``simple`` when the language is unknown or the database has no configuration for it."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    name = LANGUAGE_CONFIGS.get(code) or (code if code in LANGUAGE_CONFIGS.values() else SIMPLE)
    return name if available is None or name in available else SIMPLE


# The shown speaker name. The same rule as services.transcript_view (which this layer may not
# import); tests/test_search.py checks that both give the same names.
def _speaker_key(segment: Mapping[str, Any]) -> str:
    speaker = segment.get("speaker")
    return "0" if speaker in (None, "") else str(speaker)


def _speaker_name(key: str, names: Mapping[str, str]) -> str:
    return names.get(key) or (f"Speaker {key}" if len(key) <= 3 and " " not in key else key)


def segment_rows(
    *, document_id: int, job_id, title: str, config: str, segments: list, speaker_names: dict, text: str
) -> Iterable[dict[str, Any]]:
    """The index rows of one transcript (a transcript without segments is one row of its text)."""
    if not segments and (text or "").strip():
        segments = [{"text": text}]
    title = clean_text(title)[:200]
    names = speaker_names if isinstance(speaker_names, dict) else {}
    for index, segment in enumerate(segments[:MAX_SEGMENTS]):
        if not isinstance(segment, dict):
            continue
        body = clean_text(str(segment.get("text") or "")).strip()
        if not body:
            continue
        start = segment.get("start")
        yield {
            "id": (document_id << SEGMENT_BITS) | index,
            "job_id": job_id,
            "index": index,
            "start": float(start) if isinstance(start, int | float) else None,
            "speaker": clean_text(_speaker_name(_speaker_key(segment), names))[:100],
            "title": title,
            "text": body,
            "config": config,
        }


def index_job(*, job_id, available_configs: Collection[str] | None = None) -> int:
    """Make the index say what the job's transcript says now. Removes the job's rows when it has no
    finished transcript. Returns the number of segments indexed."""
    with transaction.atomic():
        job = Job.objects.filter(pk=job_id).values("pk", "title", "state").first()
        transcript = (
            Transcript.objects.filter(job_id=job_id)
            .values("language", "segments", "speaker_names", "text")
            .first()
        )
        if job is None or transcript is None or job["state"] != JobState.COMPLETED:
            SearchSegment.objects.filter(job_id=job_id).delete()
            SearchDocument.objects.filter(job_id=job_id).delete()
            return 0
        config = config_for(transcript["language"], available_configs)
        document, _ = SearchDocument.objects.update_or_create(
            job_id=job_id, defaults={"language": transcript["language"] or "", "config": config}
        )
        SearchSegment.objects.filter(job_id=job_id).delete()
        rows = [
            SearchSegment(**row)
            for row in segment_rows(
                document_id=document.pk,
                job_id=job_id,
                title=job["title"],
                config=config,
                segments=transcript["segments"] or [],
                speaker_names=transcript["speaker_names"] or {},
                text=transcript["text"] or "",
            )
        ]
        SearchSegment.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)


def rebuild_index(*, available_configs: Collection[str] | None = None) -> int:
    """Index every finished transcript again (after a restore, or to fill an index created after
    transcripts existed). Returns the number of transcripts indexed."""
    ids = list(
        Job.objects.filter(state=JobState.COMPLETED, transcript__isnull=False).values_list("pk", flat=True)
    )
    SearchSegment.objects.exclude(job_id__in=ids).delete()
    SearchDocument.objects.exclude(job_id__in=ids).delete()
    for job_id in ids:
        index_job(job_id=job_id, available_configs=available_configs)
    return len(ids)
