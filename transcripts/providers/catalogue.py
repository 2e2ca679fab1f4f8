"""The cloud (AI/ML API) models and their request options, as data.

Each model family has one option table with the vendor's exact field names and types (from the
vendor's OpenAPI schemas). Adding a model is one line in ``CLOUD_MODELS``; adding an option is one
line in its family's table. ``clean_options`` (providers/options.py) validates against these.
"""

from __future__ import annotations

from .base import ModelSpec, OptionSpec

MiB = 1024 * 1024


def _bool(name: str, label: str, help: str = "") -> OptionSpec:
    return OptionSpec(name=name, kind="bool", label=label, help=help)


def _enum(name: str, label: str, choices: tuple[str, ...], help: str = "") -> OptionSpec:
    return OptionSpec(name=name, kind="enum", label=label, help=help, choices=choices)


def _text(name: str, label: str, help: str = "", *, max_length: int = 500) -> OptionSpec:
    return OptionSpec(name=name, kind="str", label=label, help=help, max_length=max_length)


def _terms(name: str, label: str, help: str = "", *, kind: str = "str_or_list", max_items: int = 100):
    return OptionSpec(name=name, kind=kind, label=label, help=help, max_items=max_items, max_length=200)


MODES = ("strict", "extended")

# Deepgram-shaped options shared by Nova-2 and Nova-3 (the same field name and type in both).
_DEEPGRAM_COMMON: tuple[OptionSpec, ...] = (
    OptionSpec("language", "bcp47", "Language", "BCP-47 tag of the main spoken language, e.g. en-US."),
    _bool("detect_language", "Detect language"),
    _bool("punctuate", "Punctuation", "Add punctuation and capitalisation."),
    _bool("smart_format", "Smart formatting", "Format numbers, dates and more for readability."),
    _bool("diarize", "Speaker labels", "Tell speakers apart (numbered from 0)."),
    _bool("paragraphs", "Paragraphs"),
    _bool("utterances", "Utterances", "Split speech into meaningful units."),
    OptionSpec("utt_split", "float", "Utterance pause", "Seconds of pause ending an utterance.", minimum=0),
    _bool("filler_words", "Filler words", "Keep “uh” and “um”."),
    _bool("profanity_filter", "Profanity filter"),
    _bool("dictation", "Dictation", "Turn spoken punctuation commands into marks."),
    _bool("measurements", "Measurements", "Abbreviate spoken measurements."),
    _bool("numerals", "Numerals", "Write numbers as digits."),
    _bool("detect_entities", "Entities"),
    _bool("sentiment", "Sentiment"),
    _bool("intents", "Intents"),
    _bool("topics", "Topics"),
    _terms("custom_intent", "Custom intents", "Intents to look for."),
    _enum("custom_intent_mode", "Custom intent mode", MODES),
    _terms("custom_topic", "Custom topics", "Topics to look for."),
    _enum("custom_topic_mode", "Custom topic mode", MODES),
    _text("summarize", "Summary version", "e.g. v2", max_length=20),
)

NOVA2_OPTIONS: tuple[OptionSpec, ...] = (
    *_DEEPGRAM_COMMON,
    _bool("multi_channel", "Each channel separately", "Transcribe each audio channel independently."),
    _bool("detect_topics", "Detect topics"),
    _text("diarize_version", "Diarization version", max_length=40),
    _text("keywords", "Keywords", "Terms to boost, e.g. “Acme:2”."),
    _text("search", "Search", "A term or phrase to find in the audio."),
    _text("extra", "Extra metadata", "Key:value attached to the result.", max_length=200),
    _terms("tag", "Tags", "Labels for usage reports.", kind="str_list", max_items=20),
)


def _replacing(table: tuple[OptionSpec, ...], *replacements: OptionSpec) -> tuple[OptionSpec, ...]:
    by_name = {spec.name: spec for spec in replacements}
    return tuple(by_name.get(spec.name, spec) for spec in table)


NOVA3_OPTIONS: tuple[OptionSpec, ...] = (
    *_replacing(
        _DEEPGRAM_COMMON,
        # Nova-3 also takes "multi" (automatic multilingual) and a list of candidate languages.
        OptionSpec("language", "bcp47", "Language", "BCP-47 tag, or “multi”.", choices=("multi",)),
        OptionSpec("detect_language", "bool_or_list", "Detect language", "Yes, or candidate languages."),
    ),
    _bool("multichannel", "Each channel separately", "Transcribe each audio channel independently."),
    _terms("keyterm", "Key terms", "Terms, brands and names to recognise better."),
    _terms("redact", "Redact", "What to redact: pii, pci, numbers…", max_items=20),
    _terms("replace", "Replace", "find:replace pairs."),
    _terms("search", "Search", "Terms or phrases to find in the audio."),
    _terms("extra", "Extra metadata", "key:value pairs attached to the result.", max_items=20),
    _terms("tag", "Tags", "Labels for usage reports.", max_items=20),
    _enum(
        "encoding",
        "Encoding",
        ("linear16", "flac", "mulaw", "amr-nb", "amr-wb", "opus", "speex", "g729"),
        "Only for raw audio without a container.",
    ),
    _bool("mip_opt_out", "Opt out of model improvement"),
    _text("version", "Model version", "e.g. latest", max_length=40),
)

PII_POLICIES = (
    "account_number", "banking_information", "blood_type", "credit_card_cvv", "credit_card_expiration",
    "credit_card_number", "date", "date_interval", "date_of_birth", "drivers_license", "drug", "duration",
    "email_address", "event", "filename", "gender_sexuality", "healthcare_number", "injury", "ip_address",
    "language", "location", "marital_status", "medical_condition", "medical_process", "money_amount",
    "nationality", "number_sequence", "occupation", "organization", "passport_number", "password",
    "person_age", "person_name", "phone_number", "physical_attribute", "political_affiliation", "religion",
    "statistics", "time", "url", "us_social_security_number", "username", "vehicle_id", "zodiac_sign",
)  # fmt: skip

ASSEMBLYAI_OPTIONS: tuple[OptionSpec, ...] = (
    # AssemblyAI's own codes (en_us, en_uk, es…) are not BCP-47, so this is a plain short string.
    _text("language_code", "Language", "AssemblyAI language code, e.g. en_us, es, fr.", max_length=10),
    _bool("language_detection", "Detect language"),
    OptionSpec("language_confidence_threshold", "float", "Min. language confidence", minimum=0, maximum=1),
    OptionSpec("speech_threshold", "float", "Minimum share of speech", minimum=0, maximum=1),
    OptionSpec("audio_start_from", "int", "Start at (ms)", minimum=0),
    OptionSpec("audio_end_at", "int", "End at (ms)", minimum=0),
    _bool("punctuate", "Punctuation"),
    _bool("format_text", "Text formatting"),
    _bool("disfluencies", "Filler words", "Keep “umm” and similar."),
    _bool("multichannel", "Each channel separately"),
    _bool("filter_profanity", "Profanity filter"),
    _bool("speaker_labels", "Speaker labels", "Tell speakers apart (A, B, …)."),
    OptionSpec("speakers_expected", "int", "Expected speakers", minimum=1, maximum=50),
    OptionSpec("custom_spelling", "spelling_list", "Custom spelling", max_items=200, max_length=200),
    _terms("word_boost", "Boosted words", kind="str_list", max_items=1000),
    _enum("boost_param", "Boost strength", ("low", "default", "high")),
    _bool("redact_pii", "Redact personal data"),
    _bool("redact_pii_audio", "Redacted audio copy"),
    _enum("redact_pii_audio_quality", "Redacted audio format", ("mp3", "wav")),
    OptionSpec("redact_pii_policies", "str_list", "Redaction policies", choices=PII_POLICIES, max_items=50),
    _enum("redact_pii_sub", "Redaction replacement", ("entity_name", "hash")),
    _bool("content_safety", "Content moderation"),
    _bool("iab_categories", "Topic detection"),
    _bool("auto_highlights", "Key phrases"),
    _bool("sentiment_analysis", "Sentiment"),
    _bool("entity_detection", "Entities"),
    _bool("summarization", "Summary"),
    _enum("summary_model", "Summary model", ("informative", "conversational", "catchy")),
    _enum("summary_type", "Summary type", ("bullets", "bullets_verbose", "gist", "headline", "paragraph")),
    _bool("auto_chapters", "Chapters"),
)

OPENAI_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("language", "bcp47", "Language", "Language of the audio, e.g. en."),
    _text("prompt", "Prompt", "Text to guide style or vocabulary; in the audio's language.", max_length=2000),
    OptionSpec("temperature", "float", "Temperature", minimum=0, maximum=1),
)

MAI_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("max_tokens", "int", "Max tokens", minimum=1),
    OptionSpec("temperature", "float", "Temperature", minimum=0, maximum=2),
    OptionSpec("top_p", "float", "Top p", minimum=0, maximum=1),
    OptionSpec("max_completion_tokens", "int", "Max completion tokens", minimum=1),
)

FAMILY_OPTIONS: dict[str, tuple[OptionSpec, ...]] = {
    "nova-2": NOVA2_OPTIONS,
    "nova-3": NOVA3_OPTIONS,
    "assemblyai": ASSEMBLYAI_OPTIONS,
    "openai": OPENAI_OPTIONS,
    "mai": MAI_OPTIONS,
}

# Which result payload shape each family answers with (see transcripts/normalise/).
FAMILY_SHAPE = {"nova-2": "deepgram", "nova-3": "deepgram", "assemblyai": "assemblyai", "openai": "openai",
                "mai": "openai"}  # fmt: skip


def cloud_model(
    model_id: str, label: str, group: str, family: str, description: str = "", **extra
) -> ModelSpec:
    aliases = (model_id.removeprefix("#g1_"),) if model_id.startswith("#g1_") else ()
    upload_field = extra.pop("upload_field", "audio")
    return ModelSpec(
        id=model_id,
        label=label,
        provider="cloud",
        group=group,
        family=family,
        options=FAMILY_OPTIONS[family],
        upload_field=upload_field,
        description=description,
        aliases=aliases,
        extra={"shape": FAMILY_SHAPE[family], **extra},
    )


NOVA2, WHISPER, NOVA3, AAI, OPENAI, MICROSOFT = (
    "Deepgram Nova-2", "Whisper (hosted)", "Deepgram Nova-3", "AssemblyAI", "OpenAI", "Microsoft",
)  # fmt: skip

CLOUD_MODELS: tuple[ModelSpec, ...] = (
    cloud_model("#g1_nova-2-general", "Nova-2 General", NOVA2, "nova-2", "Everyday audio."),
    cloud_model("#g1_nova-2-meeting", "Nova-2 Meeting", NOVA2, "nova-2", "Meetings, several speakers."),
    cloud_model("#g1_nova-2-phonecall", "Nova-2 Phone call", NOVA2, "nova-2", "Low-bandwidth calls."),
    cloud_model("#g1_nova-2-voicemail", "Nova-2 Voicemail", NOVA2, "nova-2", "Voicemail recordings."),
    cloud_model("#g1_nova-2-finance", "Nova-2 Finance", NOVA2, "nova-2", "Earnings calls, finance terms."),
    cloud_model("#g1_nova-2-conversationalai", "Nova-2 Conversational AI", NOVA2, "nova-2", "Voice bots."),
    cloud_model("#g1_nova-2-video", "Nova-2 Video", NOVA2, "nova-2", "Audio from videos."),
    cloud_model("#g1_nova-2-medical", "Nova-2 Medical", NOVA2, "nova-2", "Medical vocabulary."),
    cloud_model("#g1_nova-2-drivethru", "Nova-2 Drive-thru", NOVA2, "nova-2", "Drive-thru orders."),
    cloud_model("#g1_nova-2-automotive", "Nova-2 Automotive", NOVA2, "nova-2", "In-car audio."),
    cloud_model("#g1_whisper-tiny", "Whisper Tiny", WHISPER, "nova-2", "Fastest Whisper; billed per second."),
    cloud_model("#g1_whisper-base", "Whisper Base", WHISPER, "nova-2", "Billed per second."),
    cloud_model("#g1_whisper-small", "Whisper Small", WHISPER, "nova-2", "Billed per second."),
    cloud_model("#g1_whisper-medium", "Whisper Medium", WHISPER, "nova-2", "Billed per second."),
    cloud_model("#g1_whisper-large", "Whisper Large", WHISPER, "nova-2", "Most accurate Whisper."),
    cloud_model("nova-3", "Nova-3", NOVA3, "nova-3", "Deepgram's most accurate general model."),
    cloud_model("nova-3-general", "Nova-3 General", NOVA3, "nova-3", "Everyday audio."),
    cloud_model("nova-3-medical", "Nova-3 Medical", NOVA3, "nova-3", "Medical vocabulary."),
    cloud_model("aai/slam-1", "Slam-1", AAI, "assemblyai", "English; context-aware speech language model."),
    cloud_model("aai/universal", "Universal", AAI, "assemblyai", "Broadest language support."),
    cloud_model("openai/gpt-4o-transcribe", "GPT-4o Transcribe", OPENAI, "openai",
                "Text only, no timings; files up to 25 MiB.", upload_field="file", max_upload_bytes=25 * MiB),
    cloud_model("openai/gpt-4o-mini-transcribe", "GPT-4o mini Transcribe", OPENAI, "openai",
                "Text only, no timings; files up to 25 MiB.", upload_field="file", max_upload_bytes=25 * MiB),
    cloud_model("microsoft/mai-transcribe-1.5", "MAI-Transcribe 1.5", MICROSOFT, "mai",
                "Text only; billed per second."),
)  # fmt: skip

_BY_ID = {spec.id: spec for spec in CLOUD_MODELS} | {alias: s for s in CLOUD_MODELS for alias in s.aliases}


def find_cloud_model(model_id: str) -> ModelSpec | None:
    """A cloud model by its id or an alias (``nova-2-general`` for ``#g1_nova-2-general``)."""
    return _BY_ID.get(model_id)
