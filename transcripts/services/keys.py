"""AI/ML API keys: save, remove, resolve, check. Secrets are encrypted at rest (``transcripts.crypto``).

A key belongs to one user (their own) or one team (set by the team's owners). A job uses the
submitter's own key if they have one, else the team's key; the job records whose key paid.
The plaintext exists only in the request that saves it and inside the worker that calls the API
(``reveal``): never in HTML (``masked`` shows the last four characters), logs, task arguments
or error reports (``sensitive_variables`` / ``sensitive_post_parameters``).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import crypto
from ..crypto import reveal
from ..models import Membership, ProviderKey, Role, Team
from ..providers.aimlapi_client import ClientConfig, probe_key
from ..providers.base import Provider, TransientError

log = logging.getLogger(__name__)
MIN_KEY_LENGTH = 16
MAX_KEY_LENGTH = 200


def can_manage_team_key(*, user, team: Team) -> bool:
    return Membership.objects.filter(team=team, user=user, role=Role.OWNER).exists()


def _authorise(*, user, team: Team | None, by) -> None:
    if (user is None) == (team is None):
        raise ValueError("a key belongs to exactly one user or one team")
    if team is not None and not can_manage_team_key(user=by, team=team):
        raise PermissionDenied("Only the team's owners can change its API key.")
    if user is not None and user.pk != by.pk:
        raise PermissionDenied("You can only change your own API key.")


@sensitive_variables("secret", "value")
def validate_secret(secret: str) -> str:
    value = (secret or "").strip()
    if not value:
        raise ValidationError({"secret": ["Paste your AI/ML API key."]})
    if any(ch.isspace() for ch in value) or not value.isascii() or not value.isprintable():
        raise ValidationError({"secret": ["An API key is one word of letters, digits and symbols."]})
    if not MIN_KEY_LENGTH <= len(value) <= MAX_KEY_LENGTH:
        raise ValidationError(
            {
                "secret": [
                    f"That does not look like an API key ({MIN_KEY_LENGTH}–{MAX_KEY_LENGTH} characters)."
                ]
            }
        )
    return value


@sensitive_variables("secret", "value")
def save_key(*, user=None, team: Team | None = None, secret: str, by) -> ProviderKey:
    """Store (or replace) the key of ``user`` or ``team``; ``by`` must be that user or a team owner."""
    _authorise(user=user, team=team, by=by)
    value = validate_secret(secret)
    owner = {"user": user} if user is not None else {"team": team}
    with transaction.atomic():
        key, created = ProviderKey.objects.update_or_create(
            **owner,
            defaults={
                "ciphertext": crypto.encrypt(value),
                "last4": value[-4:],
                "status": ProviderKey.Status.UNCHECKED,
                "status_message": "",
                "checked_at": None,
                "created_by": by,
            },
        )
    log.info("%s %s", "added" if created else "replaced", key)
    return key


def remove_key(*, user=None, team: Team | None = None, by) -> bool:
    """Delete the key; jobs that used it keep who paid (key_owner, key_last4) for usage reports."""
    _authorise(user=user, team=team, by=by)
    owner = {"user": user} if user is not None else {"team": team}
    deleted, _ = ProviderKey.objects.filter(**owner).delete()
    if deleted:
        log.info("removed the key of %s", user or f"team {team}")
    return bool(deleted)


def resolve_key(*, user, team: Team | None) -> ProviderKey | None:
    """The key a job of ``user`` in ``team`` is paid with: their own, else the team's."""
    own = ProviderKey.objects.filter(user=user).select_related("user").first()
    if own is not None:
        return own
    if team is None or not Membership.objects.filter(team=team, user=user).exists():
        return None
    return ProviderKey.objects.filter(team=team).select_related("team").first()


class NoUsableKey(Exception):
    """No key can pay for this job; ``message`` says what to do about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def key_for_job(*, user, team: Team, provider: Provider) -> ProviderKey | None:
    """The one rule for which key pays, used when a job is submitted and when it is retried.

    None for providers that need no key. Otherwise the key ``resolve_key`` picks, refused with
    ``NoUsableKey`` when there is none or when the API already rejected it.
    """
    if not provider.needs_key:
        return None
    key = resolve_key(user=user, team=team)
    if key is None:
        raise NoUsableKey(
            "Cloud models need an AI/ML API key: add yours in Settings, or pick the local engine."
        )
    if key.status == ProviderKey.Status.INVALID:
        raise NoUsableKey(
            f"The AI/ML API rejected the {key.owner_label} key ••••{key.last4} — update it in Settings "
            "(and check it there), or pick the local engine."
        )
    return key


def mark_key_invalid(*, key_id, message: str) -> None:
    ProviderKey.objects.filter(pk=key_id).update(
        status=ProviderKey.Status.INVALID, status_message=message[:300], checked_at=timezone.now()
    )


@sensitive_variables("secret")
def check_key(*, key: ProviderKey) -> tuple[bool, str]:
    """Ask the API whether it accepts the key (GET of a random generation id: 401 = rejected).

    Nothing is created or billed. The key's status is updated unless the API could not be reached.
    """
    try:
        secret = reveal(key)
    except crypto.InvalidToken:
        message = "This key cannot be decrypted with the server's encryption keys; enter it again."
        mark_key_invalid(key_id=key.pk, message=message)
        return False, message
    try:
        status = probe_key(config=ClientConfig.from_settings(), api_key=secret)
    except TransientError as error:
        return False, f"{error.message} Try again in a moment."
    if status == 401:
        ok, message = False, "The AI/ML API rejected this key. Check it and enter it again."
    elif status == 403:
        ok, message = True, "The key works, but the account is out of credits or over its plan limit."
    elif status >= 500 or status == 429:
        return False, f"The AI/ML API is not answering properly right now (HTTP {status}); try again later."
    else:
        ok, message = True, "The AI/ML API accepted this key."
    ProviderKey.objects.filter(pk=key.pk).update(
        status=ProviderKey.Status.VALID if ok else ProviderKey.Status.INVALID,
        status_message=message,
        checked_at=timezone.now(),
    )
    return ok, message
