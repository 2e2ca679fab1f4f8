"""API keys: encrypted at rest, rotated, masked, resolved, checked, and changed only by who may."""

import logging
import stat

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from tests.fake_aimlapi import GOOD_KEY, fake_aimlapi_fixture  # noqa: F401
from transcripts import crypto
from transcripts.models import ProviderKey, Team
from transcripts.services.keys import (
    check_key,
    mark_key_invalid,
    remove_key,
    resolve_key,
    reveal,
    save_key,
)
from transcripts.services.teams import create_team, set_current_team
from transcripts.views.settings_key import provider_key

pytestmark = pytest.mark.django_db
SECRET = "sk-aiml-0123456789abcdef-WXYZ"
TEAM_SECRET = "sk-team-9876543210fedcba-7777"


def raw_ciphertext(key: ProviderKey) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext FROM transcripts_providerkey WHERE id = %s", [key.pk])
        return bytes(cursor.fetchone()[0])


def test_the_secret_is_encrypted_at_rest(owner):
    key = save_key(user=owner, secret=f"  {SECRET} ", by=owner)
    stored = raw_ciphertext(key)
    assert SECRET.encode() not in stored and b"WXYZ" not in stored
    assert key.last4 == "WXYZ" and key.masked == "••••WXYZ"
    assert reveal(ProviderKey.objects.get(pk=key.pk)) == SECRET
    assert SECRET not in str(key) and SECRET not in repr(key)


def test_keys_come_from_a_generated_private_key_file_when_none_are_configured(settings, tmp_path, owner):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_ENCRYPTION_KEY_FILE = tmp_path / "keys" / "fernet.keys"
    key = save_key(user=owner, secret=SECRET, by=owner)
    path = settings.FIELD_ENCRYPTION_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert reveal(key) == SECRET
    assert settings.SECRET_KEY not in path.read_text()


def test_rotation_re_encrypts_every_key_with_the_newest(settings, owner, team):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    mine = save_key(user=owner, secret=SECRET, by=owner)
    theirs = save_key(team=team, secret=TEAM_SECRET, by=owner)
    before = raw_ciphertext(mine)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert raw_ciphertext(mine) != before
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can now be dropped
    assert reveal(ProviderKey.objects.get(pk=mine.pk)) == SECRET
    assert reveal(ProviderKey.objects.get(pk=theirs.pk)) == TEAM_SECRET
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.InvalidToken):
        reveal(ProviderKey.objects.get(pk=mine.pk))


def test_replacing_a_key_resets_its_status(owner):
    key = save_key(user=owner, secret=SECRET, by=owner)
    mark_key_invalid(key_id=key.pk, message="The API key was rejected — update it in Settings.")
    assert ProviderKey.objects.get(pk=key.pk).status == ProviderKey.Status.INVALID
    replaced = save_key(user=owner, secret=TEAM_SECRET, by=owner)
    assert (
        replaced.pk == key.pk and replaced.status == ProviderKey.Status.UNCHECKED and replaced.last4 == "7777"
    )


@pytest.mark.parametrize(
    "secret", ["", "short", "has spaces in the middle of it", "ключ-ключ-ключ-ключ-ключ"]
)
def test_implausible_keys_are_refused(owner, secret):
    with pytest.raises(ValidationError):
        save_key(user=owner, secret=secret, by=owner)
    assert not ProviderKey.objects.exists()


def test_only_team_owners_set_or_remove_a_team_key(owner, teammate, outsider, team):
    for person in (teammate, outsider):
        with pytest.raises(PermissionDenied):
            save_key(team=team, secret=TEAM_SECRET, by=person)
    save_key(team=team, secret=TEAM_SECRET, by=owner)
    with pytest.raises(PermissionDenied):
        remove_key(team=team, by=teammate)
    with pytest.raises(PermissionDenied):
        save_key(user=owner, secret=SECRET, by=teammate)
    assert remove_key(team=team, by=owner) and not ProviderKey.objects.exists()


def test_a_job_uses_the_users_own_key_else_the_teams(owner, teammate, outsider, team):
    assert resolve_key(user=teammate, team=team) is None
    team_key = save_key(team=team, secret=TEAM_SECRET, by=owner)
    assert resolve_key(user=teammate, team=team) == team_key
    assert resolve_key(user=outsider, team=team) is None  # not a member: never the team's key
    own = save_key(user=teammate, secret=SECRET, by=teammate)
    assert resolve_key(user=teammate, team=team) == own
    assert own.owner_label == "tomas" and team_key.owner_label == "team Acme Research"


def test_check_key_against_the_api(fake_aimlapi, owner, team):
    good = save_key(user=owner, secret=GOOD_KEY, by=owner)
    assert check_key(key=good) == (True, "The AI/ML API accepted this key.")
    assert ProviderKey.objects.get(pk=good.pk).status == ProviderKey.Status.VALID
    bad = save_key(team=team, secret=TEAM_SECRET, by=owner)
    ok, message = check_key(key=bad)
    assert not ok and "rejected" in message
    assert ProviderKey.objects.get(pk=bad.pk).status == ProviderKey.Status.INVALID
    assert fake_aimlapi.create_count == 0  # checking never creates (or bills) anything
    fake_aimlapi.add_key(TEAM_SECRET, quota=True)
    ok, message = check_key(key=bad)
    assert ok and "out of credits" in message


def test_check_key_when_the_api_is_unreachable_leaves_the_status(settings, owner):
    settings.AIMLAPI_BASE_URL = "http://127.0.0.1:9"
    key = save_key(user=owner, secret=SECRET, by=owner)
    ok, message = check_key(key=key)
    assert not ok and "Could not reach" in message
    assert ProviderKey.objects.get(pk=key.pk).status == ProviderKey.Status.UNCHECKED


def test_the_secret_never_reaches_the_logs(fake_aimlapi, owner, caplog):
    with caplog.at_level(logging.DEBUG):
        key = save_key(user=owner, secret=GOOD_KEY, by=owner)
        check_key(key=key)
        remove_key(user=owner, by=owner)
    assert GOOD_KEY not in caplog.text


# --- the settings page ---------------------------------------------------------------------------


def test_the_page_shows_only_the_masked_key(owner_client, owner):
    save_key(user=owner, secret=SECRET, by=owner)
    html = owner_client.get(reverse("provider_key")).content.decode()
    assert "••••WXYZ" in html and SECRET not in html
    assert "Not checked yet" in html


def test_adding_a_key_through_the_page(owner_client, owner):
    response = owner_client.post(
        reverse("provider_key"), {"scope": "user", "action": "save", "secret": SECRET}
    )
    assert response.status_code == 302
    assert reveal(ProviderKey.objects.get(user=owner)) == SECRET
    html = owner_client.get(response.url).content.decode()
    assert "Key saved" in html and SECRET not in html


def test_an_invalid_key_is_not_echoed_back(owner_client):
    secret = "this is not a key 1234567890"
    response = owner_client.post(
        reverse("provider_key"), {"scope": "user", "action": "save", "secret": secret}
    )
    assert response.status_code == 400
    assert secret not in response.content.decode()
    assert "one word" in response.content.decode()


def test_htmx_actions_answer_with_the_card(owner_client, owner, fake_aimlapi):
    owner_client.post(reverse("provider_key"), {"scope": "user", "action": "save", "secret": GOOD_KEY})
    response = owner_client.post(
        reverse("provider_key"), {"scope": "user", "action": "check"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'id="key-user"' in html and "<html" not in html
    assert "accepted this key" in html and GOOD_KEY not in html
    response = owner_client.post(
        reverse("provider_key"), {"scope": "user", "action": "remove"}, HTTP_HX_REQUEST="true"
    )
    assert "Key removed" in response.content.decode() and not ProviderKey.objects.exists()


def test_team_owner_sets_the_team_key_teammate_cannot(client, owner, teammate, team):
    data = {"scope": "team", "team": team.pk, "action": "save", "secret": TEAM_SECRET}
    client.force_login(teammate)
    assert client.post(reverse("provider_key"), data).status_code == 403
    assert "Team key" not in client.get(reverse("provider_key")).content.decode()
    client.force_login(owner)
    page = client.get(reverse("provider_key")).content.decode()
    assert "Team key · Acme Research" in page
    assert client.post(reverse("provider_key"), data).status_code == 302
    assert ProviderKey.objects.get(team=team).last4 == "7777"
    client.force_login(teammate)
    page = client.get(reverse("provider_key")).content.decode()
    assert "Acme Research" in page and "••••7777" in page and TEAM_SECRET not in page
    remove = {"scope": "team", "team": team.pk, "action": "remove"}
    assert client.post(reverse("provider_key"), remove).status_code == 403
    assert client.post(reverse("provider_key"), {**remove, "action": "check"}).status_code == 403


def test_an_outsider_cannot_touch_another_teams_key(client, owner, outsider, team):
    save_key(team=team, secret=TEAM_SECRET, by=owner)
    client.force_login(outsider)
    for action in ("save", "remove", "check"):
        data = {"scope": "team", "team": team.pk, "action": action, "secret": SECRET}
        assert client.post(reverse("provider_key"), data).status_code == 404
    assert ProviderKey.objects.get(team=team).last4 == "7777"
    assert "7777" not in client.get(reverse("provider_key")).content.decode()


def test_the_secret_is_hidden_from_error_reports(owner):
    request = RequestFactory().post(
        reverse("provider_key"), {"scope": "user", "action": "save", "secret": SECRET}
    )
    request.user = owner
    request.htmx = False
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    provider_key(request)
    assert request.sensitive_post_parameters == ("secret",)


def test_the_admin_never_shows_the_secret(client, owner):
    save_key(user=owner, secret=SECRET, by=owner)
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x-very-long-password-1")
    client.force_login(admin)
    key = ProviderKey.objects.get()
    html = client.get(reverse("admin:transcripts_providerkey_change", args=[key.pk])).content.decode()
    assert "WXYZ" in html and SECRET not in html and "ciphertext" not in html.lower()


def test_personal_teams_have_no_team_key_card(client, owner):
    other = create_team(user=owner, name="Side project")
    client.force_login(owner)
    page = client.get(reverse("provider_key")).content.decode()
    assert other.personal is False and "Team key · Side project" in page
    assert "Team key · olivia" not in page  # the personal workspace is paid by your own key


def key_in_use(client) -> str:
    html = client.get(reverse("provider_key")).content.decode()
    line = html.split('<p id="key-in-use"')[1].split("</p>")[0]
    return " ".join(line.partition(">")[2].split())


def test_the_which_key_pays_line_reads_as_a_sentence(client, owner, teammate, team):
    for user in (owner, teammate):
        set_current_team(user=user, team=team)
    client.force_login(teammate)  # a member: the team's owners set its key
    assert key_in_use(client) == (
        "There is no key yet for cloud jobs in <strong>Acme Research</strong>: add your own key below, "
        "or ask a team owner to add one for the team."
    )
    client.force_login(owner)  # an owner can add the team key on this very page
    assert key_in_use(client) == (
        "There is no key yet for cloud jobs in <strong>Acme Research</strong>: add your own key below, "
        "or a team key for everyone in it."
    )
    save_key(team=team, secret=TEAM_SECRET, by=owner)
    client.force_login(teammate)
    assert key_in_use(client) == (
        "Your cloud jobs in <strong>Acme Research</strong> are paid with the team key "
        '<span class="mono">••••7777</span>.'
    )
    mark_key_invalid(key_id=ProviderKey.objects.get(team=team).pk, message="Rejected.")
    assert key_in_use(client) == (
        "Your cloud jobs in <strong>Acme Research</strong> would be paid with the team key "
        '<span class="mono">••••7777</span>, but the AI/ML API rejected it: add your own key below, '
        "or ask a team owner to replace it."
    )
    save_key(user=teammate, secret=SECRET, by=teammate)
    assert key_in_use(client) == (
        "Your cloud jobs in <strong>Acme Research</strong> are paid with your key "
        '<span class="mono">••••WXYZ</span>.'
    )


def test_the_personal_workspace_is_named_as_such(client):
    user = get_user_model().objects.create_user("nadia", "nadia@example.com", "x-very-long-password-1")
    assert Team.objects.get(memberships__user=user).personal  # made with the account
    client.force_login(user)
    line = key_in_use(client)
    assert line == "There is no key yet for cloud jobs in your personal workspace: add your key below."
    assert "nadia" not in line
