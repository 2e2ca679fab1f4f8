"""The Transcribe form: a model, a file or a URL, and the chosen model's own options.

Option fields are generated from the model's ``OptionSpec`` table (named ``opt_<vendor name>``);
``clean_options`` (the same validator the API uses) has the last word on every value.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ..providers import all_models, find_model
from ..providers.base import ModelSpec, OptionSpec

LIST_KINDS = {"str_list", "str_or_list", "spelling_list"}


def model_choices(specs: list[ModelSpec] | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for spec in specs if specs is not None else all_models():
        grouped[spec.group].append((spec.id, spec.label))
    return list(grouped.items())


def option_field(option: OptionSpec) -> forms.Field:
    common = {"required": False, "label": option.label or option.name.replace("_", " ").capitalize()}
    help_text = option.help
    if option.kind == "bool":
        return forms.BooleanField(help_text=help_text, initial=bool(option.default), **common)
    if option.kind == "enum":
        return forms.ChoiceField(
            choices=[("", "Provider default"), *[(choice, choice) for choice in option.choices]],
            help_text=help_text,
            **common,
        )
    if option.kind in {"int", "float"}:
        bounds = " – ".join(str(b) for b in (option.minimum, option.maximum) if b is not None)
        attrs = {"step": "1" if option.kind == "int" else "any"}
        if option.minimum is not None:
            attrs["min"] = str(option.minimum)
        if option.maximum is not None:
            attrs["max"] = str(option.maximum)
        return forms.CharField(
            widget=forms.NumberInput(attrs=attrs),
            help_text=" ".join(filter(None, [help_text, f"Range {bounds}." if bounds else ""])),
            **common,
        )
    if option.kind in LIST_KINDS or option.kind == "bool_or_list":
        hint = "One per line." if option.kind != "spelling_list" else "One per line, as from=to."
        if option.max_items:
            hint += f" Up to {option.max_items}."
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=" ".join(filter(None, [help_text, hint])),
            **common,
        )
    attrs = {"placeholder": "e.g. en-US"} if option.kind == "bcp47" else {}
    return forms.CharField(
        widget=forms.TextInput(attrs=attrs),
        max_length=option.max_length,
        help_text=help_text,
        **common,
    )


class TranscribeForm(forms.Form):
    model = forms.ChoiceField(label="Model")
    audio = forms.FileField(
        label="Audio or video file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*,video/*"}),
    )
    url = forms.URLField(
        label="…or a link to the audio",
        required=False,
        assume_scheme="https",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/interview.mp3"}),
    )
    title = forms.CharField(label="Title", required=False, max_length=200)

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

    @property
    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("opt_")]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("audio") and not cleaned.get("url"):
            raise ValidationError("Choose a file to upload or paste a link — one of the two.")
        if cleaned.get("audio") and cleaned.get("url"):
            raise ValidationError("Choose either a file or a link, not both.")
        return cleaned

    def raw_options(self) -> dict[str, Any]:
        """Form values as the option validator takes them: lists split, blanks and unticked boxes dropped."""
        raw: dict[str, Any] = {}
        for option in self.spec.options if self.spec else ():
            value = self.cleaned_data.get(f"opt_{option.name}")
            if option.kind == "bool" and option.default is True and value is False:
                raw[option.name] = False  # an unticked box that is on by default is a choice
                continue
            if value in (None, "", False):
                continue
            if option.kind in LIST_KINDS and isinstance(value, str):
                value = [line.strip() for line in value.splitlines() if line.strip()]
            raw[option.name] = value
        return raw

    def add_submission_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            target = field if field in self.fields else f"opt_{field}"
            if target not in self.fields:
                target = None
            for message in messages:
                self.add_error(target, message)
