"""Normalisers for the three cloud payload shapes, from hand-written payloads following the schemas."""

import copy

import pytest

from transcripts.normalise import UnknownShape, assemblyai, deepgram, normalise_result, openai


def dg_word(word, start, end, speaker=None, punctuated=None):
    item = {
        "word": word,
        "start": start,
        "end": end,
        "confidence": 0.98,
        "punctuated_word": punctuated or word,
    }
    if speaker is not None:
        item |= {"speaker": speaker, "speaker_confidence": 0.9}
    return item


# Stereo call, multichannel + diarize + paragraphs + detect_language + search + summary + topics.
DEEPGRAM_STEREO = {
    "metadata": {
        "transaction_key": "deprecated",
        "request_id": "b1c9-7f",
        "sha256": "ab" * 32,
        "created": "2025-10-25T18:23:27.389Z",
        "duration": 9.52,
        "channels": 2,
        "models": ["30089e05"],
        "model_info": {"30089e05": {"name": "2-general-nova", "version": "2024-01-09", "arch": "nova-2"}},
    },
    "results": {
        "channels": [
            {
                "alternatives": [
                    {
                        "transcript": "hello thanks for calling acme",
                        "confidence": 0.99,
                        "words": [
                            dg_word("hello", 0.08, 0.4, 0, "Hello,"),
                            dg_word("thanks", 0.48, 0.8, 0),
                            dg_word("for", 0.8, 0.96, 0),
                            dg_word("calling", 0.96, 1.3, 0),
                            dg_word("acme", 1.3, 1.8, 0, "Acme."),
                        ],
                        "paragraphs": {
                            "transcript": "\nSpeaker 0: Hello, thanks for calling Acme.",
                            "paragraphs": [
                                {
                                    "sentences": [
                                        {"text": "Hello, thanks for calling Acme.", "start": 0.08, "end": 1.8}
                                    ],
                                    "speaker": 0,
                                    "num_words": 5,
                                    "start": 0.08,
                                    "end": 1.8,
                                }
                            ],
                        },
                    }
                ],
                "search": [
                    {
                        "query": "acme",
                        "hits": [{"confidence": 0.93, "start": 1.3, "end": 1.8, "snippet": "calling acme"}],
                    }
                ],
                "detected_language": "en",
                "language_confidence": 0.97,
            },
            {
                "alternatives": [
                    {
                        "transcript": "hi i need help with my order",
                        "confidence": 0.95,
                        "words": [
                            dg_word("hi", 2.5, 2.7, 0, "Hi,"),
                            dg_word("i", 2.8, 2.9, 0, "I"),
                            dg_word("need", 2.9, 3.1, 0),
                            dg_word("help", 3.1, 3.4, 0),
                            dg_word("with", 3.4, 3.6, 1),
                            dg_word("my", 3.6, 3.7, 1),
                            dg_word("order", 3.7, 4.2, 1, "order."),
                        ],
                        "paragraphs": {
                            "transcript": "...",
                            "paragraphs": [
                                {
                                    "sentences": [{"text": "Hi, I need help", "start": 2.5, "end": 3.4}],
                                    "speaker": 0,
                                    "num_words": 4,
                                    "start": 2.5,
                                    "end": 3.4,
                                },
                                {
                                    "sentences": [{"text": "with my order.", "start": 3.4, "end": 4.2}],
                                    "speaker": 1,
                                    "num_words": 3,
                                    "start": 3.4,
                                    "end": 4.2,
                                },
                            ],
                        },
                    }
                ],
            },
        ],
        "summary": {"result": "success", "short": "A customer calls Acme about an order."},
        "topics": {
            "segments": [
                {
                    "text": "hello thanks for calling acme",
                    "start_word": 1,
                    "end_word": 4,
                    "topics": [{"topic": "Customer service", "confidence_score": 0.88}],
                }
            ]
        },
    },
}


def test_deepgram_multichannel_diarized_paragraphs():
    result = deepgram.normalise(copy.deepcopy(DEEPGRAM_STEREO))
    assert result.channels == 2 and result.duration == 9.52
    assert result.text == "hello thanks for calling acme\n\nhi i need help with my order"
    assert [(s.channel, s.speaker, s.start, s.end, s.text) for s in result.segments] == [
        (0, "0", 0.08, 1.8, "Hello, thanks for calling Acme."),
        (1, "0", 2.5, 3.4, "Hi, I need help"),
        (1, "1", 3.4, 4.2, "with my order."),
    ]
    assert len(result.words) == 12 and result.words[0].text == "Hello," and result.words[0].speaker == "0"
    assert {w.channel for w in result.words} == {0, 1}
    assert result.speakers == ["0", "1"]
    assert (result.language, result.language_probability) == ("en", 0.97)
    assert result.usage == {"seconds": 9.52}
    assert result.insights["summary"] == "A customer calls Acme about an order."
    assert result.insights["search"][0]["hits"][0]["snippet"] == "calling acme"
    topic = result.insights["topics"][0]
    assert (topic["label"], topic["start"], topic["end"]) == ("Customer service", 0.48, 1.8)
    assert result.raw == DEEPGRAM_STEREO


def test_deepgram_without_paragraphs_uses_utterances_then_words():
    payload = copy.deepcopy(DEEPGRAM_STEREO)
    for channel in payload["results"]["channels"]:
        del channel["alternatives"][0]["paragraphs"]
    assert [s.text for s in deepgram.normalise(payload).segments][:1] == ["Hello, thanks for calling Acme."]
    assert {s.channel for s in deepgram.normalise(payload).segments} == {0, 1}
    payload["results"]["utterances"] = [
        {
            "start": 0.08,
            "end": 1.8,
            "confidence": 0.9,
            "channel": 0,
            "transcript": "Hello, thanks.",
            "words": [],
            "speaker": 0,
            "id": "u1",
        },
    ]
    assert [(s.text, s.speaker) for s in deepgram.normalise(payload).segments] == [("Hello, thanks.", "0")]


def test_deepgram_channels_as_an_object_and_paragraphs_as_the_schema_array():
    channel = copy.deepcopy(DEEPGRAM_STEREO["results"]["channels"][0])
    alternative = channel["alternatives"][0]
    alternative["paragraphs"] = [
        {"transcript": "x", "paragraphs": alternative["paragraphs"]["paragraphs"][0]}
    ]
    payload = {"metadata": {"duration": 2.0, "channels": 1}, "results": {"channels": channel}}
    result = deepgram.normalise(payload)
    assert result.channels == 1 and [s.text for s in result.segments] == ["Hello, thanks for calling Acme."]


ASSEMBLYAI = {
    "id": "5f3c2b1a-aaaa-bbbb-cccc-1234567890ab",
    "status": "completed",
    "language_code": "en_us",
    "language_confidence": 0.96,
    "speech_model": "universal",
    "confidence": 0.93,
    "audio_duration": 12,
    "text": "Good morning. Morning! Shall we start?",
    "words": [
        {"text": "Good", "start": 240, "end": 480, "confidence": 0.99, "speaker": "A"},
        {"text": "morning.", "start": 480, "end": 900, "confidence": 0.98, "speaker": "A"},
        {"text": "Morning!", "start": 1500, "end": 2010, "confidence": 0.97, "speaker": "B"},
        {"text": "Shall", "start": 2600, "end": 2800, "confidence": 0.95, "speaker": "A"},
        {"text": "we", "start": 2800, "end": 2900, "confidence": 0.96, "speaker": "A"},
        {"text": "start?", "start": 2900, "end": 3350, "confidence": 0.94, "speaker": "A"},
    ],
    "utterances": [
        {"speaker": "A", "text": "Good morning.", "confidence": 0.98, "start": 240, "end": 900, "words": []},
        {"speaker": "B", "text": "Morning!", "confidence": 0.97, "start": 1500, "end": 2010, "words": []},
        {
            "speaker": "A",
            "text": "Shall we start?",
            "confidence": 0.95,
            "start": 2600,
            "end": 3350,
            "words": [],
        },
    ],
    "chapters": [
        {
            "summary": "Greetings before the meeting.",
            "headline": "Opening",
            "gist": "Greetings",
            "start": 240,
            "end": 3350,
        }
    ],
    "auto_highlights_result": {
        "status": "success",
        "results": [
            {"count": 2, "rank": 0.08, "text": "morning", "timestamps": [{"start": 480, "end": 900}]}
        ],
    },
    "entities": [{"entity_type": "event", "text": "meeting", "start": 2600, "end": 3350}],
    "sentiment_analysis_results": [
        {
            "text": "Good morning.",
            "start": 240,
            "end": 900,
            "sentiment": "POSITIVE",
            "confidence": 0.9,
            "speaker": "A",
        },
        {
            "text": "Shall we start?",
            "start": 2600,
            "end": 3350,
            "sentiment": "NEUTRAL",
            "confidence": 0.8,
            "speaker": "A",
        },
        {
            "text": "Morning!",
            "start": 1500,
            "end": 2010,
            "sentiment": "POSITIVE",
            "confidence": 0.7,
            "speaker": "B",
        },
    ],
    "summary": "- Two people greet each other\n- A meeting starts",
    "iab_categories_result": {
        "status": "success",
        "results": [],
        "summary": {"Business>Meetings": 0.8, "Education": 0.1},
    },
    "error": None,
}


def test_assemblyai_speakers_chapters_and_milliseconds():
    result = assemblyai.normalise(copy.deepcopy(ASSEMBLYAI))
    assert result.text == "Good morning. Morning! Shall we start?"
    assert [(s.speaker, s.start, s.end, s.text) for s in result.segments] == [
        ("A", 0.24, 0.9, "Good morning."),
        ("B", 1.5, 2.01, "Morning!"),
        ("A", 2.6, 3.35, "Shall we start?"),
    ]
    assert (result.words[2].text, result.words[2].start, result.words[2].speaker) == ("Morning!", 1.5, "B")
    assert result.speakers == ["A", "B"]
    assert (result.language, result.language_probability, result.duration) == ("en_us", 0.96, 12.0)
    assert result.insights["chapters"] == [
        {
            "start": 0.24,
            "end": 3.35,
            "headline": "Opening",
            "summary": "Greetings before the meeting.",
            "gist": "Greetings",
        }
    ]
    assert result.insights["highlights"][0]["timestamps"] == [{"start": 0.48, "end": 0.9}]
    assert result.insights["entities"][0]["start"] == 2.6
    assert result.insights["sentiment"]["overall"] == "POSITIVE"
    assert result.insights["topics"][0]["label"] == "Business>Meetings"
    assert result.insights["summary"].startswith("- Two people")
    assert result.usage == {"seconds": 12.0} and result.raw == ASSEMBLYAI


def test_assemblyai_without_utterances_builds_segments_from_words():
    payload = copy.deepcopy(ASSEMBLYAI)
    del payload["utterances"]
    segments = assemblyai.normalise(payload).segments
    assert [(s.speaker, s.text) for s in segments] == [
        ("A", "Good morning."),
        ("B", "Morning!"),
        ("A", "Shall we start?"),
    ]


GPT4O = {
    "text": "Hello from the board meeting.",
    "usage": {
        "type": "tokens",
        "input_tokens": 94,
        "input_token_details": {"text_tokens": 0, "audio_tokens": 94},
        "output_tokens": 9,
        "total_tokens": 103,
    },
}
MAI = {"text": "Bonjour à tous.", "usage": {"seconds": 4.2, "cost": 0.00042}}


def test_gpt4o_text_and_tokens():
    result = openai.normalise(GPT4O)
    assert result.text == "Hello from the board meeting."
    assert [(s.start, s.end, s.text) for s in result.segments] == [
        (None, None, "Hello from the board meeting.")
    ]
    assert result.words == [] and result.duration is None
    assert result.usage["total_tokens"] == 103


def test_mai_seconds_are_the_duration():
    result = openai.normalise(MAI)
    assert result.duration == 4.2 and result.usage == {"seconds": 4.2, "cost": 0.00042}


@pytest.mark.parametrize(
    "payload, shape, expected",
    [
        (DEEPGRAM_STEREO, "", 2),
        (ASSEMBLYAI, "", 1),
        (GPT4O, "", 1),
        (MAI, "openai", 1),
        ({"text": "", "usage": {}}, "openai", 1),
    ],
)
def test_the_dispatcher_picks_the_normaliser_by_shape(payload, shape, expected):
    result = normalise_result(copy.deepcopy(payload), shape=shape)
    assert result.channels == expected
    assert result.raw == payload


def test_an_unknown_shape_is_refused_by_the_dispatcher():
    with pytest.raises(UnknownShape):
        normalise_result({"something": "else"})


def test_fields_for_the_transcript_model():
    fields = deepgram.normalise(copy.deepcopy(DEEPGRAM_STEREO)).as_model_fields()
    assert fields["speakers"] == ["0", "1"]
    assert fields["segments"][0] == {
        "start": 0.08,
        "end": 1.8,
        "text": "Hello, thanks for calling Acme.",
        "speaker": "0",
        "channel": 0,
    }
