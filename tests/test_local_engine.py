"""The embedded local engine: real faster-whisper runs on the shared clips and on every common
format, through the real pipeline (``run_job``) in this process; bad input, progress,
cancellation, the lease heartbeat and the once-per-process model cache. Registry, assembly and
defaults: test_local_models.py."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from transcripts.models import Job, JobState, Transcript
from transcripts.providers import whisper_engine, whisper_models
from transcripts.services import pipeline
from transcripts.services.pipeline import cancel_job, run_job
from transcripts.services.submission import submit_job

from .factories import make_job
from .speech_helpers import AUDIO, MIT_GRANT, references, wer

TINY, BASE = "local/whisper-tiny.en", "local/whisper-base"


def submit(*, user, team, clip: str, model: str = TINY, **options) -> Job:
    upload = SimpleUploadedFile(clip, (AUDIO / clip).read_bytes())
    return submit_job(user=user, team=team, model_id=model, upload=upload, options=options)


def run(job: Job) -> Job:
    run_job(job_id=job.pk)
    job.refresh_from_db()
    return job


def completed(job: Job):
    job = run(job)
    assert job.state == JobState.COMPLETED, (job.error_code, job.error_message)
    return job.transcript


# --- Real transcription --------------------------------------------------------------------


@pytest.mark.engine
@pytest.mark.django_db
@pytest.mark.parametrize("model, max_wer", [(TINY, 0.10), (BASE, 0.10)])
def test_jfk_is_transcribed_with_words_segments_and_usage(team, owner, model, max_wer):
    transcript = completed(submit(user=owner, team=team, clip="jfk.flac", model=model))
    assert wer(references()["jfk.flac"], transcript.text) <= max_wer, transcript.text
    assert "ask not what your country can do for you" in transcript.text.lower().replace(",", "")
    assert transcript.language == "en" and transcript.language_probability > 0.5
    assert transcript.duration == pytest.approx(11.0, abs=0.1)
    assert transcript.channels == 2  # jfk.flac is stereo; the engine downmixes
    assert transcript.segments and all(s["end"] > s["start"] for s in transcript.segments)
    words = transcript.words
    assert words[0]["text"] == "And" and words[-1]["text"] == "country."
    assert all(0 <= w["confidence"] <= 1 and w["end"] >= w["start"] for w in words)
    usage = transcript.usage
    assert usage["engine"] == "faster-whisper" and usage["model"] == model.removeprefix("local/")
    assert usage["seconds"] == pytest.approx(11.0, abs=0.1) and 0 < usage["processing_seconds"] < 30
    assert len(transcript.raw["sha256"]) == 64


@pytest.mark.engine
@pytest.mark.django_db
def test_stereo_is_downmixed_and_its_channels_noted(team, owner):
    transcript = completed(submit(user=owner, team=team, clip="stereo_diarization.wav"))
    assert transcript.channels == 2
    # Two people talking at once, mixed into one signal: the longer left sentence dominates.
    assert "behind the curtain on the left" in transcript.text.lower()


@pytest.mark.engine
@pytest.mark.django_db
def test_each_channel_separately_labels_both_speakers(team, owner):
    job = submit(user=owner, team=team, clip="stereo_diarization.wav", multi_channel=True)
    transcript = completed(job)
    assert wer(references()["stereo_diarization.wav"], transcript.text) <= 0.10, transcript.text
    by_channel = {s["channel"]: s["text"] for s in transcript.segments}
    assert "horizon seems extremely distant" in by_channel[1].lower()
    assert "confused complaint against the wizard" in by_channel[0].lower()
    assert sorted(transcript.speakers) == ["Channel 1", "Channel 2"]
    assert {w["channel"] for w in transcript.words} == {0, 1}


@pytest.mark.engine
@pytest.mark.django_db
def test_base_detects_english_and_transcribes_the_licence(team, owner):
    transcript = completed(submit(user=owner, team=team, clip="multilingual.mp3", model=BASE))
    assert transcript.language == "en" and transcript.language_probability > 0.8
    english = " ".join(s["text"] for s in transcript.segments if s["end"] <= 30.5)
    assert wer(MIT_GRANT, english) <= 0.15, english
    assert transcript.raw["batched"] is True  # 60 s: the batched pipeline
    # The batched pipeline's 30-second chunks are cut into sentences.
    assert len(transcript.segments) >= 4
    assert max(s["end"] - s["start"] for s in transcript.segments) < 20


@pytest.mark.engine
@pytest.mark.django_db
def test_base_transcribes_the_german_part_in_german(team, owner):
    job = submit(user=owner, team=team, clip="multilingual.mp3", model=BASE, multilingual=True)
    transcript = completed(job)
    german = " ".join(s["text"] for s in transcript.segments if s["start"] >= 29).lower()
    assert sum(word in german for word in ("software", "dokumentationsdateien", "genehmigung", "recht")) >= 3
    assert "permission is hereby granted" in transcript.text.lower()


@pytest.mark.engine
@pytest.mark.django_db
def test_translate_turns_the_german_part_into_english(team, owner):
    job = submit(user=owner, team=team, clip="multilingual.mp3", model=BASE, task="translate")
    transcript = completed(job)
    second_half = " ".join(s["text"] for s in transcript.segments if s["start"] >= 29).lower()
    assert "software" in second_half and "right" in second_half
    assert not any(word in second_half for word in ("und", "der", "die", "zu"))
    assert transcript.language == "en" and transcript.raw["task"] == "translate"


@pytest.mark.engine
@pytest.mark.django_db
def test_hotwords_help_with_a_product_name(team, owner):
    transcript = completed(submit(user=owner, team=team, clip="hotwords.mp3", hotwords="ComfyUI"))
    assert "ComfyUI" in transcript.text


FORMATS = {
    "m4a": ["-c:a", "aac"],
    "aac": ["-c:a", "aac", "-f", "adts"],
    "mp3": ["-c:a", "libmp3lame"],
    "wav": ["-c:a", "pcm_s16le"],
    "ogg": ["-c:a", "libvorbis"],
    "opus": ["-c:a", "libopus"],
    "webm": ["-c:a", "libopus"],
    "mkv": ["-c:a", "flac"],
    "mp4": ["-c:v", "mpeg4", "-c:a", "aac"],  # video files: the audio track is transcribed
    "mov": ["-c:v", "mjpeg", "-c:a", "aac"],
}


@pytest.mark.engine
@pytest.mark.django_db
@pytest.mark.parametrize("extension", FORMATS)
def test_common_audio_and_video_formats_are_transcribed(team, owner, tmp_path, extension):
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg makes the format samples: apt-get install ffmpeg")
    target = tmp_path / f"jfk.{extension}"
    video = ["-f", "lavfi", "-i", "color=c=navy:s=64x48:r=5"] if "-c:v" in FORMATS[extension] else []
    command = ["ffmpeg", "-loglevel", "error", "-i", str(AUDIO / "jfk.flac"), *video, "-shortest"]
    subprocess.run([*command, *FORMATS[extension], str(target)], check=True)
    upload = SimpleUploadedFile(target.name, target.read_bytes())
    transcript = completed(submit_job(user=owner, team=team, model_id=TINY, upload=upload))
    assert "ask not what your country can do for you" in transcript.text.lower().replace(",", "")
    assert transcript.duration == pytest.approx(11.0, abs=0.5)


# --- Bad input fails fast and clearly --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content",
    [
        ("notes.mp3", b"These are meeting notes, not audio.\n" * 200),
        ("broken.flac", b"fLaC" + bytes(range(256)) * 40),
        ("photo.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000),
    ],
)
def test_unreadable_files_fail_fast_with_a_clear_message(team, owner, name, content):
    # Stored as if an older version had accepted it: the engine must still refuse cleanly.
    job = make_job(team=team, user=owner, source=Job.Source.UPLOAD, source_url="", model=TINY)
    job.audio.save(name, SimpleUploadedFile(name, content), save=True)
    job = run(job)
    assert job.state == JobState.FAILED
    assert job.error_code == "unreadable_audio"
    assert job.error_message.startswith("This file has no audio stream we can read")
    assert "Traceback" not in job.error_message and "Error" not in job.error_message


@pytest.mark.django_db
def test_a_missing_audio_file_fails_with_a_message(team, owner):
    job = make_job(team=team, user=owner, source=Job.Source.UPLOAD, source_url="", model=TINY)
    job.audio.name = "audio/gone.flac"
    job.save()
    job = run(job)
    assert (job.state, job.error_code) == (JobState.FAILED, "audio_missing")


@pytest.mark.django_db
def test_a_model_that_is_not_installed_fails_with_a_message(team, owner):
    job = make_job(team=team, user=owner, source=Job.Source.UPLOAD, model="local/whisper-large-v9")
    job = run(job)
    assert (job.state, job.error_code) == (JobState.FAILED, "model_unavailable")
    assert "not installed" in job.error_message


# --- Progress, cancellation, the model cache -------------------------------------------------


@pytest.mark.engine
@pytest.mark.django_db
def test_progress_is_reported_as_segments_arrive(team, owner, monkeypatch):
    seen: list[float] = []
    real = pipeline.report_progress

    def recording(*, job_id, progress, **kwargs):
        seen.append(progress)
        return real(job_id=job_id, progress=progress, **kwargs)

    monkeypatch.setattr(pipeline, "report_progress", recording)
    monkeypatch.setattr(whisper_engine, "PROGRESS_INTERVAL", 0.0)
    job = submit(user=owner, team=team, clip="multilingual.mp3", keep_silence=True)
    assert completed(job)
    assert len(seen) >= 3 and seen == sorted(seen) and 0 < seen[0] < seen[-1] <= 0.99
    job.refresh_from_db()
    assert job.progress == 1.0


@pytest.mark.engine
@pytest.mark.django_db
def test_cancelling_mid_run_stops_the_engine(team, owner, monkeypatch):
    calls: list[float] = []
    real = pipeline.report_progress

    def cancel_on_first_report(*, job_id, progress, **kwargs):
        calls.append(progress)
        if len(calls) == 1:
            cancel_job(job=Job.objects.get(pk=job_id))
        return real(job_id=job_id, progress=progress, **kwargs)

    monkeypatch.setattr(pipeline, "report_progress", cancel_on_first_report)
    monkeypatch.setattr(whisper_engine, "PROGRESS_INTERVAL", 0.0)
    job = run(submit(user=owner, team=team, clip="multilingual.mp3", keep_silence=True))
    assert job.state == JobState.CANCELLED
    assert len(calls) == 1  # the engine stopped at the first report after the cancel
    assert calls[0] < 0.5
    assert not Transcript.objects.filter(job=job).exists()


@pytest.mark.engine
@pytest.mark.django_db
def test_the_model_is_loaded_once_per_process(team, owner, monkeypatch):
    import faster_whisper

    monkeypatch.setattr(whisper_models, "_loaded", {})
    constructed = []
    real = faster_whisper.WhisperModel

    def counting(*args, **kwargs):
        constructed.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(faster_whisper, "WhisperModel", counting)
    for _ in range(2):
        completed(submit(user=owner, team=team, clip="jfk.flac"))
    assert len(constructed) == 1
    assert whisper_models.loaded_model_keys() == ["whisper-tiny.en"]
    assert whisper_models.load_model("whisper-tiny.en") is whisper_models.load_model("whisper-tiny.en")
    assert len(constructed) == 1


def test_a_heartbeat_renews_the_lease_while_the_engine_is_busy(monkeypatch):
    import time

    from transcripts.providers import local

    beats = []
    monkeypatch.setattr(local, "HEARTBEAT_SECONDS", 0.05)
    with local.Heartbeat(report=lambda share: beats.append(share) or True) as heartbeat:
        heartbeat.report(0.25)
        time.sleep(0.4)  # one long engine call: no segment arrives
    count = len(beats)
    time.sleep(0.2)
    assert count >= 4 and len(beats) == count  # it beat while busy, and stopped with the job
    assert beats[-1] == 0.25
