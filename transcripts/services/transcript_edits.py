"""Corrections people make to a transcript: segment text and speaker names, each with history.

Every change is a ``TranscriptEdit`` that keeps what it replaced, so it can be undone (an undo is
an edit too, and can itself be undone). The model's own output in ``Transcript.raw`` is never
touched; ``Transcript.segments``/``text`` hold the current, corrected version that pages, exports
and search read. Each change locks the transcript row, so two people saving at once both land.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Transcript, TranscriptEdit
from ..search import index_job
from .transcript_view import default_speaker_name, speaker_key

MAX_SEGMENT_LENGTH = 5000
MAX_SPEAKER_NAME = 60
HISTORY_LENGTH = 20


class EditRefused(ValidationError):
    """A correction that cannot be saved; the message says why."""


def _locked(transcript: Transcript) -> Transcript:
    return Transcript.objects.select_for_update().get(pk=transcript.pk)


def _joined_text(segments: list[dict]) -> str:
    return " ".join(str(segment.get("text") or "").strip() for segment in segments).strip()


def _set_segment_text(transcript: Transcript, index: int, text: str, *, edited: bool = True) -> str:
    segments = list(transcript.segments or [])
    before = str(segments[index].get("text") or "")
    segments[index] = {key: value for key, value in segments[index].items() if key != "edited"}
    segments[index]["text"] = text
    if edited:
        segments[index]["edited"] = True
    transcript.segments = segments
    transcript.text = _joined_text(segments)
    transcript.save(update_fields=["segments", "text", "updated_at"])
    return before


@transaction.atomic
def correct_segment(*, transcript: Transcript, index: int, text: str, by) -> TranscriptEdit | None:
    """Replace one segment's text, keeping its timing; None when nothing changed."""
    text = " ".join((text or "").split())
    if not text:
        raise EditRefused("A segment cannot be empty. Undo an edit instead, or keep at least one word.")
    if len(text) > MAX_SEGMENT_LENGTH:
        raise EditRefused(f"A segment can hold up to {MAX_SEGMENT_LENGTH} characters.")
    transcript = _locked(transcript)
    if not 0 <= index < len(transcript.segments or []):
        raise EditRefused("This segment no longer exists. Reload the page.")
    if str(transcript.segments[index].get("text") or "").strip() == text:
        return None
    before = _set_segment_text(transcript, index, text)
    index_job(job_id=transcript.job_id)
    return TranscriptEdit.objects.create(
        transcript=transcript, kind=TranscriptEdit.Kind.TEXT, segment=index, before=before, after=text, by=by
    )


@transaction.atomic
def rename_speaker(*, transcript: Transcript, speaker: str, name: str, by) -> TranscriptEdit | None:
    """Give a speaker label a name shown everywhere; an empty name goes back to "Speaker N"."""
    name = " ".join((name or "").split())
    if len(name) > MAX_SPEAKER_NAME:
        raise EditRefused(f"A speaker's name can be up to {MAX_SPEAKER_NAME} characters.")
    transcript = _locked(transcript)
    if speaker not in {speaker_key(segment) for segment in transcript.segments or []}:
        raise EditRefused("This speaker is not in the transcript.")
    names = dict(transcript.speaker_names or {})
    before = names.get(speaker, "")
    if before == name:
        return None
    if name and name != default_speaker_name(speaker):
        names[speaker] = name
    else:
        names.pop(speaker, None)
    transcript.speaker_names = names
    transcript.save(update_fields=["speaker_names", "updated_at"])
    index_job(job_id=transcript.job_id)
    return TranscriptEdit.objects.create(
        transcript=transcript,
        kind=TranscriptEdit.Kind.SPEAKER,
        speaker=speaker,
        before=before,
        after=name,
        by=by,
    )


@transaction.atomic
def undo_edit(*, edit: TranscriptEdit, by) -> TranscriptEdit:
    """Put back what ``edit`` replaced, as a new edit (so the undo shows in the history too)."""
    transcript = _locked(edit.transcript)
    if edit.kind == TranscriptEdit.Kind.TEXT:
        if not 0 <= (edit.segment or 0) < len(transcript.segments or []):
            raise EditRefused("This segment no longer exists. Reload the page.")
        first = transcript.edits.filter(kind=TranscriptEdit.Kind.TEXT, segment=edit.segment).earliest(
            "created_at", "id"
        )
        # Back to what the model wrote: the segment no longer counts as corrected.
        current = _set_segment_text(transcript, edit.segment, edit.before, edited=edit.before != first.before)
        after = edit.before
    else:
        names = dict(transcript.speaker_names or {})
        current = names.get(edit.speaker, "")
        if edit.before:
            names[edit.speaker] = edit.before
        else:
            names.pop(edit.speaker, None)
        transcript.speaker_names = names
        transcript.save(update_fields=["speaker_names", "updated_at"])
        after = edit.before
    index_job(job_id=transcript.job_id)
    return TranscriptEdit.objects.create(
        transcript=transcript,
        kind=edit.kind,
        segment=edit.segment,
        speaker=edit.speaker,
        before=current,
        after=after,
        undoes=edit,
        by=by,
    )


def latest_edits(*, transcript: Transcript) -> dict[int, TranscriptEdit]:
    """The newest edit of each corrected segment (what its Undo button undoes)."""
    newest: dict[int, TranscriptEdit] = {}
    for edit in transcript.edits.filter(kind=TranscriptEdit.Kind.TEXT).select_related("by"):
        newest.setdefault(edit.segment, edit)
    return newest


def history(*, transcript: Transcript, limit: int = HISTORY_LENGTH) -> list[TranscriptEdit]:
    return list(transcript.edits.select_related("by")[:limit])
