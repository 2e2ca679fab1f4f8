"""Creating a personal access token: a name, the status words its client expects, and a team."""

from __future__ import annotations

from django import forms

from ..models import ApiToken, Team

STYLE_CHOICES = [
    (
        ApiToken.StatusStyle.LEGACY,
        "waiting / active — for the AI/ML API's example scripts, which keep polling only while "
        "the status is “waiting” or “active”",
    ),
    (
        ApiToken.StatusStyle.SCHEMA,
        "queued / generating — the AI/ML API's current schema, for clients written against it",
    ),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "e.g. nightly-import script", "autocomplete": "off"}),
        help_text="What will use it, so you know which one to revoke later.",
    )
    status_style = forms.ChoiceField(
        label="Status words while a job is pending",
        choices=STYLE_CHOICES,
        initial=ApiToken.StatusStyle.LEGACY,
        widget=forms.RadioSelect,
        help_text="Finished jobs are always “completed” or “error”. Pick what your client waits on.",
    )
    team = forms.ModelChoiceField(
        label="Team for its transcripts",
        queryset=Team.objects.none(),
        required=False,
        empty_label="My personal workspace",
        help_text="Jobs created with this token appear in this team's Transcripts.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_user(user).filter(personal=False).order_by("name")
        if not self.fields["team"].queryset.exists():
            self.fields["team"].widget = forms.HiddenInput()
