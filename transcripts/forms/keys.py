"""The AI/ML API key form. The secret is never rendered back into the page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from ..services.keys import MAX_KEY_LENGTH, validate_secret


class ProviderKeyForm(forms.Form):
    secret = forms.CharField(
        label="API key",
        max_length=MAX_KEY_LENGTH,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off", "class": "mono"},
        ),
        help_text="From your AI/ML API dashboard. It is stored encrypted and only its last four "
        "characters are ever shown.",
    )

    def clean_secret(self) -> str:
        try:
            return validate_secret(self.cleaned_data.get("secret", ""))
        except ValidationError as error:
            raise ValidationError(error.message_dict["secret"]) from None
