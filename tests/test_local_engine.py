"""The embedded local engine: real faster-whisper runs on the shared clips and on every common
format, through the real pipeline (``run_job``) in this process; bad input, progress,
cancellation, the lease heartbeat and the once-per-process model cache. Registry, assembly and
defaults: test_local_models.py."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from transcripts.models import Job, JobState, Transcript
from transcripts.providers import local, whisper_models
from transcripts.providers.base import PermanentError
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


def recording_progress(monkeypatch) -> list[float]:
    """Every share the job is given (through the real report_progress), with a fast tick."""
    seen: list[float] = []
    real = pipeline.report_progress

    def recording(*, job_id, progress, **kwargs):
        seen.append(progress)
        return real(job_id=job_id, progress=progress, **kwargs)

    monkeypatch.setattr(pipeline, "report_progress", recording)
    monkeypatch.setattr(local, "TICK_SECONDS", 0.1)
    return seen


@pytest.mark.engine
@pytest.mark.django_db
def test_progress_moves_for_a_single_channel_file_in_the_batched_pipeline(team, owner, monkeypatch):
    # The default path for a minute of mono speech: voice filter on, batched pipeline, whose one
    # batch yields every segment at the very end. The bar must move before that all the same.
    seen = recording_progress(monkeypatch)
    job = submit(user=owner, team=team, clip="multilingual.mp3")
    transcript = completed(job)
    assert transcript.raw["batched"] is True and transcript.channels == 1
    assert len(seen) >= 3 and seen == sorted(seen), seen
    assert 0 < seen[0] < 0.5 and seen[-1] <= 0.99
    assert len(set(seen)) >= 3  # it moved, not one jump from 0 to done
    job.refresh_from_db()
    assert job.progress == 1.0


@pytest.mark.engine
@pytest.mark.django_db
def test_progress_is_reported_as_segments_arrive(team, owner, monkeypatch):
    seen = recording_progress(monkeypatch)
    job = submit(user=owner, team=team, clip="multilingual.mp3", keep_silence=True)  # plain pipeline
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
    monkeypatch.setattr(local, "TICK_SECONDS", 0.1)
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


# --- What the bar shows between the engine's own reports --------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_clock_estimates_from_the_expected_time_and_never_goes_back():
    time = FakeClock()
    clock = local.ProgressClock(clock=time)
    assert clock.share() == 0.0  # no estimate before the audio's length is known
    clock.expect(10.0)
    time.now += 4
    assert clock.share() == pytest.approx(0.4)
    time.now += 5
    assert 0.86 < clock.share() < 0.88  # 90 % of the expected time: eased off from 80 %
    time.now += 100
    assert 0.94 < clock.share() <= 0.95  # a slow run creeps, it never shows a full bar
    clock.real(0.5)  # a real report below what is shown: the bar holds
    assert clock.share() > 0.94


def test_a_real_report_sets_the_pace():
    time = FakeClock()
    clock = local.ProgressClock(clock=time)
    clock.expect(100.0)  # the guess: slow
    time.now += 2
    clock.real(0.5)  # the engine: half done in 2 s
    assert clock.share() == 0.5
    time.now += 1
    assert clock.share() == pytest.approx(0.75)  # 4 s for the whole run, from the real pace
    clock.real(0.99)
    assert clock.share() == 0.99


def test_the_expected_time_uses_the_pace_measured_in_this_process(monkeypatch):
    monkeypatch.setattr(local, "_paces", {})
    tiny = whisper_models.get_local_model("whisper-tiny.en")
    assert local.expected_seconds(model=tiny, audio_seconds=400) == pytest.approx(0.5 + 400 / tiny.speed)
    local.record_pace(model=tiny, audio_seconds=60, seconds=6.5)  # 10× on this machine
    assert local.expected_seconds(model=tiny, audio_seconds=400) == pytest.approx(40.5)
    local.record_pace(model=tiny, audio_seconds=2, seconds=5)  # too short to say anything
    assert local._paces["whisper-tiny.en"] == pytest.approx(10)


def fake_engine(*, segments: list[tuple[float, float]], audio_seconds: float = 60.0):
    """An engine run that sleeps instead of decoding: (seconds to wait, share it then reports)."""

    def run(on_progress, on_audio):
        import time

        on_audio(audio_seconds)
        for wait, share in segments:
            time.sleep(wait)
            if not on_progress(share):
                return None
        return "result"

    return run


def test_a_long_engine_call_still_moves_the_bar_and_renews_the_lease(monkeypatch):
    monkeypatch.setattr(local, "TICK_SECONDS", 0.05)
    monkeypatch.setattr(local, "_paces", {"whisper-tiny.en": 60.0})  # 60 s of audio: about 1.5 s
    reports: list[float] = []
    tiny = whisper_models.get_local_model("whisper-tiny.en")
    run = fake_engine(segments=[(1.0, 0.99)])  # one long call, then every segment at once
    result = local.run_reporting(
        run=run, report=lambda share: reports.append(share) or True, model=tiny, name="t"
    )
    assert result == "result"
    assert len(reports) >= 5 and reports == sorted(reports) and reports[0] < 0.2 < reports[-1], reports


def test_a_heartbeat_renews_the_lease_while_nothing_moves(monkeypatch):
    monkeypatch.setattr(local, "TICK_SECONDS", 0.02)
    monkeypatch.setattr(local, "HEARTBEAT_SECONDS", 0.1)
    reports: list[float] = []
    tiny = whisper_models.get_local_model("whisper-tiny.en")

    def silent(on_progress, on_audio):  # the length is never known: no estimate, no movement
        import time

        time.sleep(0.5)
        return "result"

    local.run_reporting(run=silent, report=lambda share: reports.append(share) or True, model=tiny, name="t")
    assert len(reports) >= 3 and set(reports) == {0.0}


def test_a_cancel_stops_the_engine_at_its_next_segment(monkeypatch):
    monkeypatch.setattr(local, "TICK_SECONDS", 0.02)
    tiny = whisper_models.get_local_model("whisper-tiny.en")
    reached: list[float] = []

    def run(on_progress, on_audio):
        import time

        on_audio(1.0)
        for share in (0.1, 0.2, 0.3, 0.4, 0.5):
            time.sleep(0.1)
            reached.append(share)
            if not on_progress(share):
                return None
        return "result"

    assert local.run_reporting(run=run, report=lambda share: False, model=tiny, name="t") is None
    assert len(reached) < 5  # it stopped early


def test_an_error_in_the_engine_is_raised_to_the_task(monkeypatch):
    tiny = whisper_models.get_local_model("whisper-tiny.en")

    def broken(on_progress, on_audio):
        raise PermanentError("This file has no audio stream we can read.", code="unreadable_audio")

    with pytest.raises(PermanentError):
        local.run_reporting(run=broken, report=lambda share: True, model=tiny, name="t")


# --- Warm workers ------------------------------------------------------------------------------


@pytest.mark.engine
def test_warm_up_loads_the_preferred_models_and_runs_them_once(monkeypatch):
    monkeypatch.setattr(whisper_models, "_loaded", {})
    assert local.warm_up() == ["whisper-base", "whisper-tiny.en"]
    assert sorted(whisper_models.loaded_model_keys()) == ["whisper-base", "whisper-tiny.en"]


def test_the_warm_up_steps_aside_for_a_job_that_started(monkeypatch):
    monkeypatch.setattr(whisper_models, "_loaded", {})
    local._jobs_running.set()
    try:
        assert local.warm_up() == []
    finally:
        local._jobs_running.clear()
    assert whisper_models.loaded_model_keys() == []


def test_only_the_inference_cluster_warms_up_when_a_worker_starts(monkeypatch, settings):
    from django_q.signals import post_spawn  # what django-q2's worker sends as it starts

    started: list[str] = []
    monkeypatch.setattr(local, "warm_up_in_background", lambda: started.append("warm"))
    monkeypatch.setenv("Q_CLUSTER_NAME", "someone-else")
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    monkeypatch.delenv("Q_CLUSTER_NAME")
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    assert started == []
    monkeypatch.setenv("Q_CLUSTER_NAME", settings.INFERENCE_CLUSTER)
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    assert started == ["warm"]


@pytest.mark.cluster
@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_a_started_inference_cluster_is_warm_before_its_first_job(team, owner):
    """The worker loads the models when it starts: the first job pays only for its own audio."""
    import time

    from .cluster import ROOT, running_cluster, wait_for

    log = ROOT / "test-artifacts" / "cluster-logs" / f"{settings.INFERENCE_CLUSTER}-{os.getpid()}.log"
    seen = log.stat().st_size if log.exists() else 0
    with running_cluster(inference=True):
        wait_for(
            lambda: log.exists() and b"local model whisper-base is warm" in log.read_bytes()[seen:],
            timeout=90,
            what="the inference worker's warm-up",
        )
        began = time.monotonic()
        job = submit(user=owner, team=team, clip="jfk.flac", model=BASE)
        wait_for(lambda: Transcript.objects.filter(job=job).exists(), timeout=90, what="the transcript")
        total = time.monotonic() - began
    engine = Transcript.objects.get(job=job).usage["processing_seconds"]
    print(f"first job after start: {total:.2f} s, of which the engine {engine:.2f} s")
    assert log.read_bytes()[seen:].count(b"loading local model whisper-base") == 1  # at start only


# --- Elapsed time and an estimate for the status card -------------------------------------------


@pytest.mark.django_db
def test_a_running_job_has_its_elapsed_time_and_an_estimate(team, owner):
    from datetime import timedelta

    from django.utils import timezone

    from transcripts.services.job_timing import job_timing

    now = timezone.now()
    job = make_job(team=team, user=owner, state=JobState.PROCESSING, started_at=now - timedelta(seconds=65))
    job.progress = 0.02
    assert job_timing(job=job, now=now).label == "1 min 05 s elapsed"  # too little to guess from
    job.progress = 0.5
    timing = job_timing(job=job, now=now)
    assert (timing.elapsed_seconds, timing.remaining_seconds) == (65, 65)
    assert timing.label == "1 min 05 s elapsed · about 2 min left"
    job.progress = 0.8
    assert job_timing(job=job, now=now).remaining_label == "about 20 s left"
    job.progress = 0.97
    assert job_timing(job=job, now=now).remaining_label == "a few seconds left"
    job.state = JobState.QUEUED
    assert job_timing(job=job, now=now).label == ""
