"""Sign-up, log-in and account forms. Password forms are Django's own."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

User = get_user_model()


def _email_taken(email: str, *, except_pk=None) -> bool:
    users = User.objects.filter(email__iexact=email)
    if except_pk is not None:
        users = users.exclude(pk=except_pk)
    return users.exists()


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        help_text="For password resets and team invitations.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["username"].help_text = "Letters, digits and @ . + - _ only. Your teammates see it."

    def clean_username(self) -> str:
        username = self.cleaned_data.get("username", "")
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken. Choose another, or log in if it is yours.")
        return username

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data.get("email", "")).strip()
        if _email_taken(email):
            raise forms.ValidationError(
                "An account with this email already exists. Log in, or reset your password."
            )
        return email


class LoginForm(AuthenticationForm):
    """Django's login form, also accepting the account's email in place of the username."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Username or email"

    def clean(self):
        identifier = (self.cleaned_data.get("username") or "").strip()
        if "@" in identifier:
            usernames = list(
                User.objects.filter(email__iexact=identifier).values_list("username", flat=True)[:2]
            )
            if len(usernames) == 1:
                self.cleaned_data["username"] = usernames[0]
        return super().clean()


class AccountForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email",)
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}
        help_texts = {"email": "Password resets and team invitations go to this address."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data.get("email", "")).strip()
        if _email_taken(email, except_pk=self.instance.pk):
            raise forms.ValidationError("Another account already uses this email.")
        return email
