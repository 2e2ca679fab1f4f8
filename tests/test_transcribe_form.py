"""The Transcribe form and page: files and links in one submission, the options people can take in
(basic first, the rest under "Advanced"), help texts that read right for every model family, and
the sentence that says why a model is preselected."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from transcripts.forms.transcribe import BASIC_OPTIONS, TranscribeForm, bounds_hint, option_field
from transcripts.models import Job, Profile
from transcripts.providers import all_models
from transcripts.providers.base import OptionSpec
from transcripts.services.keys import mark_key_invalid, save_key
from transcripts.services.model_defaults import key_problem_for, model_choice_for

pytestmark = pytest.mark.django_db
AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"
TINY, BASE = "local/whisper-tiny.en", "local/whisper-base"
MODELS = {spec.id: spec for spec in all_models()}
ONE_PER_FAMILY = sorted({spec.family: spec.id for spec in all_models()}.values())


def form_for(model_id: str) -> TranscribeForm:
    return TranscribeForm(model_id=model_id)


# --- Basic first, the rest under "Advanced" -------------------------------------------------------


@pytest.mark.parametrize("model_id", ONE_PER_FAMILY)
def test_every_option_is_shown_once_either_basic_or_advanced(model_id):
    form = form_for(model_id)
    basic = [field.name for field in form.basic_option_fields]
    advanced = [field.name for field in form.advanced_option_fields]
    assert sorted(basic + advanced) == sorted(f"opt_{option.name}" for option in MODELS[model_id].options)
    assert not set(basic) & set(advanced)
    assert len(basic) <= 5  # a handful people can take in


def test_the_basic_options_are_the_ones_that_matter_first():
    def basic(model_id: str) -> list[str]:
        return [field.name.removeprefix("opt_") for field in form_for(model_id).basic_option_fields]

    assert basic("nova-3") == ["language", "diarize", "punctuate", "smart_format"]
    assert basic("#g1_nova-2-general") == [
        "language",
        "detect_language",
        "diarize",
        "punctuate",
        "smart_format",
    ]
    assert basic("aai/universal") == [
        "language_code",
        "language_detection",
        "speaker_labels",
        "punctuate",
        "format_text",
    ]
    assert basic(BASE) == ["language", "task", "multi_channel"]
    assert basic(TINY) == ["multi_channel", "hotwords"]
    assert basic("microsoft/mai-transcribe-1.5") == []  # all four are tuning knobs: Advanced
    assert len(form_for("nova-3").advanced_option_fields) > 20  # folded away, no longer 30 fields at once


def test_every_family_in_the_catalogue_has_a_basic_list():
    assert {spec.family for spec in all_models()} <= set(BASIC_OPTIONS)


def test_the_page_folds_advanced_options_and_opens_them_on_an_error(owner_client):
    html = owner_client.get(reverse("transcribe_options"), {"model": "nova-3"}).content.decode()
    assert '<details class="advanced-options">' in html and "Advanced options" in html
    response = owner_client.post(
        reverse("transcribe"),
        {"model": "nova-3", "urls": "http://127.0.0.1/a.mp3", "opt_utt_split": "-1"},
    )
    assert '<details class="advanced-options" open>' in response.content.decode()


# --- Help texts and choices read right ------------------------------------------------------------


@pytest.mark.parametrize(
    "minimum, maximum, expected",
    [
        (0, None, "At least 0."),
        (None, 1, "At most 1."),
        (0, 1, "From 0 to 1."),
        (0.5, 2.5, "From 0.5 to 2.5."),
        (None, None, ""),
    ],
)
def test_bounds_read_as_a_sentence(minimum, maximum, expected):
    assert bounds_hint(OptionSpec("x", "float", minimum=minimum, maximum=maximum)) == expected


def test_number_help_texts():
    pause = form_for("nova-3").fields["opt_utt_split"]
    assert pause.help_text == "Seconds of pause ending an utterance. At least 0."
    speakers = form_for("aai/universal").fields["opt_speakers_expected"]
    assert speakers.help_text == "A whole number. From 1 to 50."
    assert speakers.widget.attrs["min"] == "1" and speakers.widget.attrs["max"] == "50"


def test_the_local_engine_names_what_its_default_task_does():
    task = form_for(BASE).fields["opt_task"]
    assert task.choices == [("", "Transcribe (default)"), ("translate", "Translate")]


def test_cloud_enums_leave_the_default_to_the_provider_and_keep_technical_names():
    assert form_for("nova-3").fields["opt_encoding"].choices[:3] == [
        ("", "Provider default"),
        ("linear16", "linear16"),
        ("flac", "flac"),
    ]
    summary = form_for("aai/universal").fields["opt_summary_type"].choices
    assert ("bullets_verbose", "Bullets verbose") in summary


def test_a_list_with_fixed_choices_is_a_set_of_checkboxes():
    form = TranscribeForm(
        {"model": "aai/universal", "urls": "x", "opt_redact_pii_policies": ["person_name", "phone_number"]},
        model_id="aai/universal",
    )
    assert form.is_valid(), form.errors
    assert form.raw_options() == {"redact_pii_policies": ["person_name", "phone_number"]}
    assert ("credit_card_number", "Credit card number") in form.fields["opt_redact_pii_policies"].choices


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_no_model_shows_an_odd_field(model_id):
    for field in form_for(model_id).option_fields:
        text = f"{field.label} | {field.help_text}"
        assert field.label and "None" not in text and "Range" not in text and "_" not in field.label, text
        assert not field.help_text or field.help_text.rstrip().endswith((".", ")")), text


def test_option_field_keeps_on_by_default_booleans():
    field = option_field(OptionSpec("x", "bool", label="X", default=True))
    assert field.initial is True


# --- The preselected model says why ----------------------------------------------------------------


def test_with_no_history_the_local_engine_is_the_stated_default(owner, team):
    choice = model_choice_for(user=owner, team=team)
    assert (choice.model_id, choice.switched) == (BASE, False)
    assert choice.note == "Default: the local engine — works with no key, on this server."


def test_the_last_model_is_named(owner, team):
    Profile.objects.filter(user=owner).update(last_model=TINY)
    assert model_choice_for(user=owner, team=team).note == (
        "Last used: Whisper tiny.en — English, fastest (local engine)."
    )
    save_key(user=owner, secret="aiml-" + "k" * 32, by=owner)
    Profile.objects.filter(user=owner).update(last_model="nova-3")
    choice = model_choice_for(user=owner, team=team)
    assert (choice.model_id, choice.note) == ("nova-3", "Last used: Nova-3 (AI/ML API).")


def test_a_last_model_that_cannot_be_paid_for_is_not_switched_silently(owner, team):
    Profile.objects.filter(user=owner).update(last_model="nova-3")
    choice = model_choice_for(user=owner, team=team)
    assert (choice.model_id, choice.switched) == (BASE, True)
    assert choice.note == "Your last model, Nova-3, needs an AI/ML API key: using the local engine."

    key = save_key(user=owner, secret="aiml-" + "k" * 32, by=owner)
    mark_key_invalid(key_id=key.pk, message="401")
    choice = model_choice_for(user=owner, team=team)
    assert choice.model_id == BASE
    assert choice.note == (
        f"Your last model, Nova-3, needs an AI/ML API key that works (the API rejected ••••{key.last4}): "
        "using the local engine."
    )


def test_a_retired_last_model_is_said_to_be_gone(owner, team):
    Profile.objects.filter(user=owner).update(last_model="#g1_retired-model")
    choice = model_choice_for(user=owner, team=team)
    assert choice.model_id == BASE
    assert choice.note == "Your last model, #g1_retired-model, is no longer offered: using the local engine."


def test_a_cloud_model_without_a_key_says_so_before_submitting(owner, team):
    assert key_problem_for(user=owner, team=team, model_id="nova-3") == (
        "Nova-3 needs an AI/ML API key: add one in Settings, or pick the local engine."
    )
    assert key_problem_for(user=owner, team=team, model_id=BASE) == ""


def test_the_page_states_the_preselected_model(owner_client, owner):
    Profile.objects.filter(user=owner).update(last_model="nova-3")
    html = owner_client.get(reverse("transcribe")).content.decode()
    assert "Your last model, Nova-3, needs an AI/ML API key: using the local engine." in html
    assert 'class="model-summary is-switched"' in html
    # The options of another model do not repeat the note about the preselected one.
    other = owner_client.get(reverse("transcribe_options"), {"model": TINY}).content.decode()
    assert "model-note" not in other


# --- The page: one submission, several jobs --------------------------------------------------------


def clip(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (AUDIO / name).read_bytes())


def test_several_files_go_to_the_transcripts_list(owner_client):
    response = owner_client.post(
        reverse("transcribe"),
        {"model": TINY, "audio": [clip("jfk.flac"), clip("hotwords.mp3")], "title": "ignored"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("job_list")
    assert sorted(Job.objects.values_list("title", flat=True)) == ["hotwords", "jfk"]
    assert "2 transcriptions queued." in response.content.decode()


def test_one_file_goes_to_its_job_page_with_its_title(owner_client):
    response = owner_client.post(
        reverse("transcribe"), {"model": TINY, "audio": [clip("jfk.flac")], "title": "JFK"}
    )
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url() and job.title == "JFK"


def test_a_partly_refused_batch_names_what_was_refused(owner_client, settings):
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    response = owner_client.post(
        reverse("transcribe"),
        {
            "model": TINY,
            "audio": [clip("jfk.flac"), clip("notes.txt", b"plain text " * 100)],
            "urls": "http://127.0.0.1/standup.mp3\nftp://example.com/call.mp3",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "2 transcriptions queued; 2 items were refused — notes.txt: This file has no audio stream" in html
    assert "line 2 (ftp://example.com/call.mp3): Enter an http:// or https:// address" in html
    assert Job.objects.count() == 2


def test_when_everything_is_refused_the_form_says_what_to_fix_and_keeps_the_links(owner_client):
    response = owner_client.post(
        reverse("transcribe"),
        {
            "model": TINY,
            "audio": [clip("notes.txt", b"plain text " * 100)],
            "urls": "\nftp://example.com/a.mp3",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html  # htmx gets the form partial
    assert "Nothing was queued: fix or remove the items marked below" in html
    assert "notes.txt: This file has no audio stream we can read." in html
    assert "line 2 (ftp://example.com/a.mp3)" in html
    assert "\nftp://example.com/a.mp3</textarea>" in html  # the links as typed
    assert not Job.objects.exists()


def test_an_htmx_submission_is_sent_on_with_a_client_redirect(owner_client):
    response = owner_client.post(
        reverse("transcribe"), {"model": TINY, "audio": [clip("jfk.flac")]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Redirect"] == Job.objects.get().get_absolute_url()


def test_nothing_chosen_asks_for_files_or_links(owner_client):
    response = owner_client.post(reverse("transcribe"), {"model": TINY, "urls": "\n  \n"})
    assert "Choose files to upload or paste links — at least one of the two." in response.content.decode()


def test_the_submit_button_is_disabled_by_id_so_the_model_select_finds_it_too(owner_client):
    html = owner_client.get(reverse("transcribe")).content.decode()
    # hx-disabled-elt is inherited by the model select's request; "find …" would search inside it.
    assert 'hx-disabled-elt="#transcribe-submit"' in html and 'id="transcribe-submit"' in html
    assert "find button" not in html
    assert "multiple" in html and 'name="audio"' in html and 'data-batch-limit="20"' in html
