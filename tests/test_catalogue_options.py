"""The cloud catalogue (data) and clean_options (one validator for form, API and local engine)."""

import pytest
from django.core.exceptions import ValidationError

from transcripts.providers.base import ModelSpec, OptionSpec
from transcripts.providers.catalogue import CLOUD_MODELS, FAMILY_OPTIONS, find_cloud_model
from transcripts.providers.options import clean_options

SEED_MODELS = [
    *(
        f"#g1_nova-2-{d}"
        for d in [
            "automotive",
            "conversationalai",
            "drivethru",
            "finance",
            "general",
            "medical",
            "meeting",
            "phonecall",
            "video",
            "voicemail",
        ]
    ),
    *(f"#g1_whisper-{size}" for size in ("tiny", "base", "small", "medium", "large")),
]
NEWER_MODELS = [
    "nova-3",
    "nova-3-general",
    "nova-3-medical",
    "aai/slam-1",
    "aai/universal",
    "openai/gpt-4o-transcribe",
    "openai/gpt-4o-mini-transcribe",
    "microsoft/mai-transcribe-1.5",
]


def model(model_id: str) -> ModelSpec:
    spec = find_cloud_model(model_id)
    assert spec is not None, model_id
    return spec


def names(family: str) -> set[str]:
    return {option.name for option in FAMILY_OPTIONS[family]}


def refused(spec: ModelSpec, raw: dict) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        clean_options(spec=spec, raw=raw)
    return error.value.message_dict


def test_the_catalogue_has_the_23_models_grouped_by_provider():
    ids = [spec.id for spec in CLOUD_MODELS]
    assert sorted(ids) == sorted(SEED_MODELS + NEWER_MODELS)
    assert len(set(ids)) == 23
    assert all(spec.provider == "cloud" for spec in CLOUD_MODELS)
    groups = {spec.group for spec in CLOUD_MODELS}
    assert {"Deepgram Nova-2", "Deepgram Nova-3", "AssemblyAI", "OpenAI", "Microsoft"} <= groups


@pytest.mark.parametrize("model_id", SEED_MODELS)
def test_seed_models_answer_to_the_spelling_without_the_g1_prefix(model_id):
    assert find_cloud_model(model_id.removeprefix("#g1_")) is model(model_id)


def test_each_family_has_the_vendor_field_names():
    assert {"multi_channel", "keywords", "diarize_version", "custom_intent", "utt_split", "tag"} <= names(
        "nova-2"
    )
    assert {"multichannel", "keyterm", "redact", "replace", "mip_opt_out", "encoding", "version"} <= names(
        "nova-3"
    )
    assert not {"keywords", "detect_topics", "diarize_version", "multi_channel"} & names("nova-3")
    assert {
        "speaker_labels",
        "word_boost",
        "boost_param",
        "summary_type",
        "custom_spelling",
        "redact_pii_policies",
        "auto_chapters",
        "audio_start_from",
    } <= names("assemblyai")
    assert names("openai") == {"language", "prompt", "temperature"}
    assert names("mai") == {"max_tokens", "temperature", "top_p", "max_completion_tokens"}


def test_gpt4o_uploads_as_file_with_a_25_mib_cap_and_others_as_audio():
    gpt = model("openai/gpt-4o-transcribe")
    assert gpt.upload_field == "file" and gpt.extra["max_upload_bytes"] == 25 * 1024 * 1024
    assert model("openai/gpt-4o-mini-transcribe").upload_field == "file"
    assert {spec.upload_field for spec in CLOUD_MODELS if spec.family != "openai"} == {"audio"}


def test_form_strings_are_coerced_to_vendor_types():
    cleaned = clean_options(
        spec=model("#g1_nova-2-general"),
        raw={
            "diarize": "on",
            "punctuate": "false",
            "utt_split": "0.8",
            "language": "en-us",
            "custom_topic": "pricing, churn",
            "tag": "board\nq3",
            "custom_intent_mode": "STRICT",
        },
    )
    assert cleaned == {
        "diarize": True,
        "punctuate": False,
        "utt_split": 0.8,
        "language": "en-US",
        "custom_topic": ["pricing", "churn"],
        "tag": ["board", "q3"],
        "custom_intent_mode": "strict",
    }


def test_native_json_types_pass_through():
    cleaned = clean_options(
        spec=model("aai/universal"),
        raw={
            "speaker_labels": True,
            "speakers_expected": 3,
            "word_boost": ["Acme", "Lisbon"],
            "custom_spelling": [{"from": ["acme", "ackme"], "to": "Acme"}],
            "boost_param": "high",
        },
    )
    assert cleaned["custom_spelling"] == [{"from": ["acme", "ackme"], "to": "Acme"}]
    assert cleaned["speakers_expected"] == 3 and cleaned["word_boost"] == ["Acme", "Lisbon"]


def test_spelling_lines_become_pairs():
    cleaned = clean_options(spec=model("aai/slam-1"), raw={"custom_spelling": ["nova=Nova", " gpt = GPT "]})
    assert cleaned == {"custom_spelling": [{"from": "nova", "to": "Nova"}, {"from": "gpt", "to": "GPT"}]}
    assert "from=to" in refused(model("aai/slam-1"), {"custom_spelling": "just text"})["custom_spelling"][0]


@pytest.mark.parametrize(
    "tag, expected",
    [
        ("en", "en"),
        ("en-US", "en-US"),
        ("pt-br", "pt-BR"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
    ],
)
def test_valid_bcp47_tags_are_normalised(tag, expected):
    assert clean_options(spec=model("openai/gpt-4o-transcribe"), raw={"language": tag}) == {
        "language": expected
    }


@pytest.mark.parametrize("tag", ["english", "en_US!", "e", "en-", "12", "en-USA-x"])
def test_invalid_language_tags_are_refused_with_an_example(tag):
    message = refused(model("openai/gpt-4o-transcribe"), {"language": tag})["language"][0]
    assert "BCP-47" in message and "en-US" in message


def test_nova3_takes_multi_as_language_and_a_list_for_detect_language():
    cleaned = clean_options(spec=model("nova-3"), raw={"language": "multi", "detect_language": "en\nes"})
    assert cleaned == {"language": "multi", "detect_language": ["en", "es"]}
    assert clean_options(spec=model("nova-3"), raw={"detect_language": "true"}) == {"detect_language": True}


def test_bounds_are_enforced_with_the_limit_in_the_message():
    errors = refused(model("openai/gpt-4o-transcribe"), {"temperature": 1.5})
    assert errors == {"temperature": ["Must be at most 1."]}
    assert refused(model("microsoft/mai-transcribe-1.5"), {"max_tokens": "0"}) == {
        "max_tokens": ["Must be at least 1."]
    }
    assert clean_options(spec=model("microsoft/mai-transcribe-1.5"), raw={"temperature": "1.5"}) == {
        "temperature": 1.5
    }


def test_custom_topics_are_capped_at_100():
    spec = model("#g1_nova-2-meeting")
    assert (
        len(clean_options(spec=spec, raw={"custom_topic": [f"t{i}" for i in range(100)]})["custom_topic"])
        == 100
    )
    assert "at most 100" in refused(spec, {"custom_topic": [f"t{i}" for i in range(101)]})["custom_topic"][0]


def test_unknown_options_and_bad_types_are_reported_together():
    errors = refused(
        model("#g1_nova-2-general"), {"multichannel": True, "diarize": "maybe", "utt_split": "x"}
    )
    assert set(errors) == {"multichannel", "diarize", "utt_split"}
    assert "no option" in errors["multichannel"][0]
    assert errors["diarize"] == ["Choose yes or no."]
    assert errors["utt_split"] == ["Enter a number."]


def test_enum_and_list_choices_are_checked():
    spec = model("aai/universal")
    assert "low, default, high" in refused(spec, {"boost_param": "max"})["boost_param"][0]
    assert (
        "not one of"
        in refused(spec, {"redact_pii_policies": ["person_name", "shoe_size"]})["redact_pii_policies"][0]
    )


def test_empty_values_are_dropped_and_max_length_enforced():
    spec = model("openai/gpt-4o-mini-transcribe")
    assert clean_options(spec=spec, raw={"prompt": "  ", "language": None, "temperature": ""}) == {}
    assert "2000 characters" in refused(spec, {"prompt": "x" * 2001})["prompt"][0]


def test_integers_refuse_fractions_and_booleans():
    spec = model("aai/slam-1")
    assert refused(spec, {"speakers_expected": "2.5"}) == {"speakers_expected": ["Enter a whole number."]}
    assert refused(spec, {"speakers_expected": True}) == {"speakers_expected": ["Enter a whole number."]}
    assert clean_options(spec=spec, raw={"speakers_expected": 2.0}) == {"speakers_expected": 2}


def test_generic_kinds_work_for_a_local_engine_spec():
    local = ModelSpec(
        id="local/x",
        label="Local",
        provider="local",
        group="Local engine",
        family="local",
        options=(
            OptionSpec("language", "bcp47"),
            OptionSpec("task", "enum", choices=("transcribe", "translate")),
            OptionSpec("initial_prompt", "str", max_length=50),
            OptionSpec("hotwords", "str"),
            OptionSpec("vad_filter", "bool"),
        ),
    )
    cleaned = clean_options(spec=local, raw={"language": "de", "task": "translate", "vad_filter": "on"})
    assert cleaned == {"language": "de", "task": "translate", "vad_filter": True}
    assert set(refused(local, {"task": "summarise", "initial_prompt": "y" * 51})) == {
        "task",
        "initial_prompt",
    }
