"""The local models: registry (bundled and operator-added), assembly of the split base model,
device choice, options and vendor ids, the preselected model, and the sentence splitter."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from transcripts.models import Profile
from transcripts.normalise import whisper_local
from transcripts.providers import all_models, find_model, get_provider, whisper_engine, whisper_models
from transcripts.providers.base import PermanentError
from transcripts.providers.local import GROUP, find_compat_model
from transcripts.providers.options import clean_options
from transcripts.services.model_defaults import default_model_for

from .speech_helpers import AUDIO, references

TINY, BASE = "local/whisper-tiny.en", "local/whisper-base"


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
