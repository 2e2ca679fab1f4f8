"""The Transcribe form: files and links (one job each), a model, and the chosen model's options.

Option fields are generated from the model's ``OptionSpec`` table (named ``opt_<vendor name>``);
``clean_options`` (the same validator the API uses) has the last word on every value. The few
options most people want (language, speakers, punctuation — whichever the model family has) are
shown first; the rest are under "Advanced" (``BASIC_OPTIONS``).

Files and links are only collected here: ``services.submission.submit_batch`` checks each one and
names the bad ones, so one bad file never blocks the good ones.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from ..providers import all_models, find_model
from ..providers.base import ModelSpec, OptionSpec
from ..services.submission import BATCH_LIMIT, Refusal

LIST_KINDS = {"str_list", "str_or_list", "spelling_list"}

# The options shown before "Advanced", per model family, in this order. The rest of a family's
# table is advanced; a family not listed here shows every option as advanced.
BASIC_OPTIONS: dict[str, tuple[str, ...]] = {
    "nova-2": ("language", "detect_language", "diarize", "punctuate", "smart_format"),
    "nova-3": ("language", "diarize", "punctuate", "smart_format"),
    "assemblyai": ("language_code", "language_detection", "speaker_labels", "punctuate", "format_text"),
    "openai": ("language", "prompt"),
    "mai": (),
    "local-whisper": ("language", "task", "multi_channel"),
    "local-whisper-en": ("multi_channel", "hotwords"),
}


def model_choices(specs: list[ModelSpec] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for spec in specs if specs is not None else all_models():
        grouped[spec.group].append((spec.id, spec.label))
    return list(grouped.items())


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def bounds_hint(option: OptionSpec) -> str:
    """ "At least 0." · "At most 1." · "From 0 to 1." · "" (no bounds)."""
    low, high = option.minimum, option.maximum
    if low is not None and high is not None:
        return f"From {_plain(low)} to {_plain(high)}."
    if low is not None:
        return f"At least {_plain(low)}."
    if high is not None:
        return f"At most {_plain(high)}."
    return ""


def choice_label(value: str, *, technical: bool = False) -> str:
    """ "bullets_verbose" -> "Bullets verbose"; technical values (codecs, formats) keep their spelling."""
    if technical:
        return value
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def _is_technical(option: OptionSpec) -> bool:
    """Choices such as linear16, g729 or mp3 are names to keep as they are."""
    return any(character.isdigit() for choice in option.choices for character in choice)


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def option_field(option: OptionSpec) -> forms.Field:
    common = {"required": False, "label": option.label or option.name.replace("_", " ").capitalize()}
    help_text = option.help
    if option.kind == "bool":
        return forms.BooleanField(help_text=help_text, initial=bool(option.default), **common)
    if option.kind == "enum":
        # Nothing chosen sends nothing: the engine's own default, named when the table knows it.
        technical = _is_technical(option)
        blank = "Provider default"
        if option.default:
            blank = f"{choice_label(option.default, technical=technical)} (default)"
        others = [
            (choice, choice_label(choice, technical=technical))
            for choice in option.choices
            if choice != option.default
        ]
        return forms.ChoiceField(choices=[("", blank), *others], help_text=help_text, **common)
    if option.kind in {"int", "float"}:
        attrs = {"step": "1" if option.kind == "int" else "any", "inputmode": "decimal"}
        if option.kind == "int":
            attrs["inputmode"] = "numeric"
        if option.minimum is not None:
            attrs["min"] = _plain(option.minimum)
        if option.maximum is not None:
            attrs["max"] = _plain(option.maximum)
        whole = "A whole number." if option.kind == "int" else ""
        return forms.CharField(
            widget=forms.NumberInput(attrs=attrs),
            help_text=_joined(help_text, whole, bounds_hint(option)),
            **common,
        )
    if option.kind == "str_list" and option.choices:
        technical = _is_technical(option)
        return forms.MultipleChoiceField(
            choices=[(choice, choice_label(choice, technical=technical)) for choice in option.choices],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
            help_text=_joined(help_text, f"Up to {option.max_items}." if option.max_items else ""),
            **common,
        )
    if option.kind in LIST_KINDS or option.kind == "bool_or_list":
        hint = "One per line, as from=to." if option.kind == "spelling_list" else "One per line."
        if option.max_items:
            hint += f" Up to {option.max_items}."
        attrs: dict[str, Any] = {"rows": 2}
        if option.kind == "bool_or_list":
            attrs["placeholder"] = "yes"  # the other way to answer it
        return forms.CharField(
            widget=forms.Textarea(attrs=attrs),
            help_text=_joined(help_text, hint),
            **common,
        )
    attrs = {"placeholder": "e.g. en or pt-BR"} if option.kind == "bcp47" else {}
    if help_text.startswith("e.g. "):  # an example is a placeholder, not a sentence under the field
        attrs, help_text = {"placeholder": help_text}, ""
    return forms.CharField(
        widget=forms.TextInput(attrs=attrs),
        max_length=option.max_length,
        help_text=help_text,
        **common,
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files, returned as a list; each is checked by the submission service, which
    names the bad ones instead of refusing the lot."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if file]


class TranscribeForm(forms.Form):
    audio = MultipleFileField(
        label="Audio or video files",
        required=False,
        # hx-preserve: after an answer with errors the chosen files stay chosen (htmx keeps the element).
        widget=MultipleFileInput(
            attrs={"accept": "audio/*,video/*", "class": "file-drop", "hx-preserve": "true"}
        ),
    )
    urls = forms.CharField(
        label="Links",
        required=False,
        strip=False,  # blank lines count: a refusal says "line 3" of the box as typed
        max_length=BATCH_LIMIT * 2100,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "https://example.com/interview.mp3", "spellcheck": "false"}
        ),
        help_text="One link per line. This server downloads them; public addresses only.",
    )
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=200,
        help_text="For a single recording. Several keep their own file or link names.",
    )
    model = forms.ChoiceField(label="Model")

    def __init__(self, *args: Any, specs: list[ModelSpec] | None = None, model_id: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.specs = specs if specs is not None else all_models()
        self.fields["model"].choices = model_choices(self.specs)
        chosen = self.data.get("model") or model_id or self.initial.get("model")
        self.spec = find_model(chosen) if chosen else None
        if self.spec is not None and not self.is_bound:
            self.initial.setdefault("model", self.spec.id)  # the select and the options agree
        for option in self.spec.options if self.spec else ():
            self.fields[f"opt_{option.name}"] = option_field(option)
        size = filesizeformat(settings.MAX_UPLOAD_BYTES)
        self.fields["audio"].help_text = f"Several at once: up to {BATCH_LIMIT}, {size} each."
        self.fields["audio"].widget.attrs["data-max-bytes"] = str(settings.MAX_UPLOAD_BYTES)
        self.model_note = ""  # set by the view: why this model is preselected
        self.model_switched = False  # the last model could not be preselected (the note says why)
        self.key_problem = ""  # set by the view: the model shown needs a key the user lacks

    # --- Options: the few that matter first, the rest under "Advanced" ----------------------------

    def _basic_names(self) -> tuple[str, ...]:
        if self.spec is None:
            return ()
        return BASIC_OPTIONS.get(self.spec.family, ())

    @property
    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("opt_")]

    @property
    def basic_option_fields(self) -> list[forms.BoundField]:
        return [self[f"opt_{name}"] for name in self._basic_names() if f"opt_{name}" in self.fields]

    @property
    def advanced_option_fields(self) -> list[forms.BoundField]:
        basic = {f"opt_{name}" for name in self._basic_names()}
        return [field for field in self.option_fields if field.name not in basic]

    @property
    def advanced_has_errors(self) -> bool:
        return any(field.errors for field in self.advanced_option_fields)

    # --- Cleaning --------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        links = (cleaned.get("urls") or "").splitlines()
        if not cleaned.get("audio") and not any(line.strip() for line in links):
            raise ValidationError("Choose files to upload or paste links — at least one of the two.")
        return cleaned

    def url_lines(self) -> list[str]:
        """The links box as typed, line by line (the service skips blank ones but counts them)."""
        return (self.cleaned_data.get("urls") or "").splitlines()

    def raw_options(self) -> dict[str, Any]:
        """Form values as the option validator takes them: lists split, blanks and unticked boxes dropped."""
        raw: dict[str, Any] = {}
        for option in self.spec.options if self.spec else ():
            value = self.cleaned_data.get(f"opt_{option.name}")
            if option.kind == "bool" and option.default is True and value is False:
                raw[option.name] = False  # an unticked box that is on by default is a choice
                continue
            if value in (None, "", False, []):
                continue
            if option.kind in LIST_KINDS and isinstance(value, str):
                value = [line.strip() for line in value.splitlines() if line.strip()]
            raw[option.name] = value
        return raw

    # --- What the service refused ----------------------------------------------------------------

    def add_submission_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            target = {"url": "urls"}.get(field, field)
            target = target if target in self.fields else f"opt_{field}"
            if target not in self.fields:
                target = None
            for message in messages:
                self.add_error(target, message)

    def add_refusals(self, refused: list[Refusal]) -> None:
        """Each refused file or link, named, under its own field (nothing was queued)."""
        if refused:
            self.add_error(None, "Nothing was queued: fix or remove the items marked below, then send again.")
        for refusal in refused:
            self.add_error(refusal.field if refusal.field in self.fields else None, str(refusal))
