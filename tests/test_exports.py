"""Downloads: every format parses with the library made for it, names and options included."""

from __future__ import annotations

import io
import json
import zipfile
from itertools import pairwise

import docx
import pytest
import srt
import webvtt
from django.urls import reverse

from transcripts.exports.lines import Line, TimedWord, cues_of
from transcripts.models import Transcript
from transcripts.services.exports import ExportOptions, export_many

from .test_transcript_workspace import make_transcribed

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(team, owner):
    job = make_transcribed(team, owner, title="Inaugural: address / 1961")
    Transcript.objects.filter(pk=job.pk).update(speaker_names={"1": "JFK"})
    return job


def download(client, job, fmt: str, **query):
    response = client.get(reverse("transcript_export", args=[job.pk]), {"format": fmt, **query})
    assert response.status_code == 200, response.content[:200]
    return response


def test_srt_cues_increase_never_overlap_and_name_the_speaker(owner_client, job):
    response = download(owner_client, job, "srt")
    assert response["Content-Disposition"] == 'attachment; filename="Inaugural address 1961.srt"'
    cues = list(srt.parse(response.content.decode()))
    assert [cue.content for cue in cues] == ["Speaker 0: Ask not what", "JFK: your country."]
    assert all(a.end <= b.start for a, b in pairwise(cues))
    assert all(cue.start < cue.end for cue in cues)


def test_vtt_uses_voice_spans_and_parses(owner_client, job):
    text = download(owner_client, job, "vtt").content.decode()
    assert text.startswith("WEBVTT") and "<v JFK>your country.</v>" in text
    captions = webvtt.from_string(text).captions
    assert [caption.text for caption in captions] == ["Ask not what", "your country."]
    assert captions[0].start == "00:00:00.000" and captions[1].end == "00:00:01.800"


def test_options_leave_out_speakers_and_timestamps(owner_client, job):
    plain = download(owner_client, job, "txt", choose="1").content.decode()
    assert "JFK" not in plain and "[0:00]" not in plain and "Ask not what" in plain
    full = download(owner_client, job, "txt").content.decode()
    assert "[0:01] JFK: your country." in full
    bare_srt = download(owner_client, job, "srt", choose="1", timestamps="on").content.decode()
    assert "JFK" not in bare_srt


def test_docx_has_the_title_and_the_named_paragraphs(owner_client, job):
    document = docx.Document(io.BytesIO(download(owner_client, job, "docx").content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "Inaugural: address / 1961"
    assert "0:01  JFK: your country." in texts


def test_json_is_our_transcript_and_raw_is_the_providers(owner_client, job):
    ours = json.loads(download(owner_client, job, "json").content)
    assert ours["speakers"] == [{"label": "0", "name": "Speaker 0"}, {"label": "1", "name": "JFK"}]
    assert ours["segments"][1]["text"] == "your country." and ours["duration"] == 2.0
    assert json.loads(download(owner_client, job, "raw").content) == {"model": "output"}


def test_an_unknown_format_is_a_404(owner_client, job):
    assert owner_client.get(reverse("transcript_export", args=[job.pk]), {"format": "exe"}).status_code == 404


def test_a_zip_of_many_has_one_file_each_with_unique_names(team, owner):
    jobs = [make_transcribed(team, owner, title="Standup") for _ in range(3)]
    for job in jobs:
        job.refresh_from_db()
    archive = zipfile.ZipFile(io.BytesIO(export_many(jobs=jobs, fmt="srt", options=ExportOptions()).content))
    assert sorted(archive.namelist()) == ["Standup (2).srt", "Standup (3).srt", "Standup.srt"]


def test_long_lines_become_readable_cues_and_interleaved_channels_never_overlap():
    words = tuple(TimedWord(f"word{i}", i * 0.5, i * 0.5 + 0.4) for i in range(40))
    long_line = Line(0.0, 20.0, " ".join(w.text for w in words), "A", words)
    cues = cues_of([long_line, Line(3.0, 4.0, "Overlapping other channel.", "B")])
    assert all(cue.end - cue.start <= 7.0 and len(cue.text) <= 84 for cue in cues)
    assert all(a.end <= b.start and a.start < a.end for a, b in pairwise(cues))
    assert "Overlapping other channel." in [cue.text for cue in cues]
