"""Personal access tokens: hashed at rest, shown once, verified, revoked; Settings page and command."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from transcripts.models import ApiToken, Membership
from transcripts.services.api_tokens import (
    TokenError,
    authenticate_token,
    create_token,
    revoke_token,
    team_for_token,
)

pytestmark = pytest.mark.django_db


def every_stored_value() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM transcripts_apitoken")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


# --- The service ------------------------------------------------------------------------------


def test_only_a_digest_and_a_prefix_are_stored(owner):
    token, secret = create_token(user=owner, name="ci")
    assert secret.startswith("stt_") and len(secret) >= 40
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and secret not in every_stored_value()
    assert token.status_style == ApiToken.StatusStyle.LEGACY
    assert secret not in str(token) and secret not in repr(token)


def test_tokens_are_unique_and_random(owner):
    secrets = {create_token(user=owner, name=f"t{i}")[1] for i in range(20)}
    assert len(secrets) == 20 and len({s[:12] for s in secrets}) == 20


def test_a_token_authenticates_and_records_when_it_was_used(owner):
    token, secret = create_token(user=owner, name="ci", status_style="schema")
    found = authenticate_token(raw=secret)
    assert found == token and found.user == owner and found.status_style == "schema"
    token.refresh_from_db()
    assert token.last_used_at is not None
    first_use = token.last_used_at
    authenticate_token(raw=secret)  # within a minute: no extra write
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))
    authenticate_token(raw=secret)
    token.refresh_from_db()
    assert token.last_used_at > first_use


MANGLED = {
    "last character changed": lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),
    "one character more": lambda s: s + "x",
    "the prefix only": lambda s: s[:12],
    "empty": lambda s: "",
    "upper case": lambda s: s.upper(),
    "very long": lambda s: "x" * 500,
}


@pytest.mark.parametrize("mangle", MANGLED.values(), ids=MANGLED.keys())
def test_wrong_tokens_are_refused(owner, mangle):
    _token, secret = create_token(user=owner, name="ci")
    assert authenticate_token(raw=mangle(secret)) is None


def test_revoked_tokens_and_inactive_users_are_refused(owner, teammate):
    token, secret = create_token(user=owner, name="ci")
    assert revoke_token(user=teammate, token_id=token.pk) is None  # not theirs
    assert authenticate_token(raw=secret) is not None
    assert revoke_token(user=owner, token_id=token.pk).revoked_at is not None
    assert authenticate_token(raw=secret) is None
    _other, other_secret = create_token(user=teammate, name="laptop")
    teammate.is_active = False
    teammate.save()
    assert authenticate_token(raw=other_secret) is None


def test_names_styles_and_teams_are_checked(owner, outsider, team):
    with pytest.raises(TokenError):
        create_token(user=owner, name="   ")
    with pytest.raises(TokenError):
        create_token(user=owner, name="ci", status_style="fancy")
    with pytest.raises(TokenError):
        create_token(user=outsider, name="ci", team=team)


def test_jobs_go_to_the_tokens_team_while_the_user_is_a_member(teammate, team):
    token, _secret = create_token(user=teammate, name="ci", team=team)
    assert team_for_token(token=token) == team
    Membership.objects.filter(team=team, user=teammate).delete()
    personal = team_for_token(token=token)
    assert personal.personal and personal.members.filter(pk=teammate.pk).exists()
    without_team, _ = create_token(user=teammate, name="home")
    assert team_for_token(token=without_team) == personal


# --- The management command ------------------------------------------------------------------


def test_the_command_prints_only_the_token(owner, capsys):
    call_command("create_api_token", "olivia", "--name", "nightly", "--style", "schema")
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("stt_") and "\n" not in printed
    token = authenticate_token(raw=printed)
    assert (token.user, token.name, token.status_style) == (owner, "nightly", "schema")


def test_the_command_refuses_unknown_users(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody")


# --- Settings → API tokens ---------------------------------------------------------------------


def url(**query) -> str:
    base = reverse("api_tokens")
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_page_needs_a_login(client):
    response = client.get(url())
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_page_lists_tokens_without_their_secrets(owner_client, owner):
    token, secret = create_token(user=owner, name="Nightly import", status_style="schema")
    response = owner_client.get(url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nightly import" in page and token.prefix in page and "queued / generating" in page
    assert secret not in page
    assert "waiting / active" in page  # the style choice is explained in the form


def test_creating_shows_the_token_once(owner_client, owner):
    response = owner_client.post(url(), {"action": "create", "name": "ci", "status_style": "legacy"})
    page = response.content.decode()
    token = ApiToken.objects.get(user=owner)
    secret = page.split('data-testid="new-token"')[0].rsplit('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith(token.prefix) and authenticate_token(raw=secret) == token
    assert "will not be shown again" in page and "no-store" in response["Cache-Control"]
    assert secret not in owner_client.get(url()).content.decode()


def test_creating_with_htmx_answers_the_whole_panel(owner_client, owner):
    response = owner_client.post(
        url(), {"action": "create", "name": "laptop", "status_style": "schema"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="token-panel"' in page and "<html" not in page and "laptop" in page
    token = ApiToken.objects.get(user=owner)
    assert token.prefix in page and 'id="tokens-heading">Your tokens <span class="count">1</span>' in page
    assert "HX-Trigger" not in response  # the panel is all the page shows of tokens: no event to hear
    assert token.status_style == "schema"


def test_a_nameless_token_is_refused_with_the_reason(owner_client, owner):
    response = owner_client.post(url(), {"action": "create", "name": "", "status_style": "legacy"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = owner_client.post(url(), {"action": "create", "name": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "field-errors" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_revokes(owner_client, owner):
    token, secret = create_token(user=owner, name="ci")
    confirm = owner_client.get(url(confirm=token.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "Revoke “ci”" in confirm and 'name="action" value="revoke"' in confirm
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None  # asking changes nothing
    keep = owner_client.get(url(row=token.pk), HTTP_HX_REQUEST="true").content.decode()
    assert "token-confirm" not in keep
    response = owner_client.post(url(), {"action": "revoke", "token": token.pk}, HTTP_HX_REQUEST="true")
    assert "Revoked" in response.content.decode()
    assert 'class="is-revoked"' in response.content.decode() and "HX-Trigger" not in response
    assert authenticate_token(raw=secret) is None


def test_revoking_works_without_javascript(owner_client, owner):
    token, _secret = create_token(user=owner, name="ci")
    page = owner_client.get(url(confirm=token.pk)).content.decode()
    assert "token-confirm" in page and "<html" in page
    response = owner_client.post(url(), {"action": "revoke", "token": token.pk}, follow=True)
    assert "is revoked" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_other_peoples_tokens_are_not_found(owner_client, teammate):
    token, secret = create_token(user=teammate, name="theirs")
    assert owner_client.get(url(confirm=token.pk), HTTP_HX_REQUEST="true").status_code == 404
    assert owner_client.post(url(), {"action": "revoke", "token": token.pk}).status_code == 404
    assert owner_client.post(url(), {"action": "revoke", "token": "x"}).status_code == 404
    assert authenticate_token(raw=secret) is not None
    assert "theirs" not in owner_client.get(url()).content.decode()


def test_only_the_users_teams_are_offered(owner_client, owner, team, outsider):
    from transcripts.services.teams import create_team

    create_team(user=outsider, name="Secret Society")
    page = owner_client.get(url()).content.decode()
    assert "Acme Research" in page and "Secret Society" not in page
    other = create_team(user=outsider, name="Other")
    response = owner_client.post(
        url(), {"action": "create", "name": "x", "status_style": "legacy", "team": other.pk}
    )
    assert response.status_code == 400 and not ApiToken.objects.exists()
