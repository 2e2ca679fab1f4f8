"""Team forms. Which roles a person may hand out is decided by ``services.teams.assignable_roles``."""

from __future__ import annotations

from django import forms

from ..models import Role, Team


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name",)
        labels = {"name": "Team name"}
        help_texts = {"name": "Shown to everyone in the team, e.g. “Research” or “Acme Legal”."}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the team a name.")
        return name


def _role_choices(roles: list[Role]) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in roles]


class InviteForm(forms.Form):
    email = forms.EmailField(
        required=False,
        label="Email (optional)",
        help_text="We email the link to this address and only this person can use it. "
        "Leave empty for a link you share yourself.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
    )
    role = forms.ChoiceField(choices=(), initial=Role.MEMBER)

    def __init__(self, *args, roles: list[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(roles)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
