"""Personal access tokens for the AI/ML-compatible endpoints (/v1/stt/*).

A token is ``stt_`` + 43 URL-safe characters (256 bits). Only its SHA-256 digest is stored, with
the first characters as a prefix to find candidates and to show in lists; the comparison of
digests is constant-time. The token itself exists once: in the answer to its creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import ApiToken, Membership, Team
from .teams import current_team_for

TOKEN_PREFIX = "stt_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# Writing last_used_at on every poll would turn each read into a write; a minute is precise enough.
LAST_USED_GRANULARITY = timedelta(seconds=60)


class TokenError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(
    *, user, name: str, status_style: str = ApiToken.StatusStyle.LEGACY, team: Team | None = None
) -> tuple[ApiToken, str]:
    """Create a token; return it with its secret (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, e.g. the script or machine that will use it.")
    if status_style not in ApiToken.StatusStyle.values:
        raise TokenError(f"Status style must be one of: {', '.join(ApiToken.StatusStyle.values)}.")
    if team is not None and not Membership.objects.filter(team=team, user=user).exists():
        raise TokenError("You are not a member of that team.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        team=team,
        name=name[:80],
        prefix=raw[:PREFIX_LENGTH],
        digest=_digest(raw),
        status_style=status_style,
    )
    return token, raw


def authenticate_token(*, raw: str) -> ApiToken | None:
    """The active token whose secret is ``raw`` (and whose user is active), or None."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) < PREFIX_LENGTH + 8 or len(raw) > 200:
        return None
    digest = _digest(raw)
    candidates = ApiToken.objects.filter(prefix=raw[:PREFIX_LENGTH], revoked_at__isnull=True).select_related(
        "user", "team"
    )
    match = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.digest, digest):
            match = candidate
    if match is None or not match.user.is_active:
        return None
    now = timezone.now()
    if match.last_used_at is None or now - match.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=match.pk).update(last_used_at=now)
        match.last_used_at = now
    return match


def revoke_token(*, user, token_id: int) -> ApiToken | None:
    """Revoke one of ``user``'s tokens; return it (already revoked is fine), None if not theirs."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
        if token is None:
            return None
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def tokens_of(*, user):
    active_first = F("revoked_at").asc(nulls_first=True)
    return ApiToken.objects.filter(user=user).select_related("team").order_by(active_first, "-created_at")


def team_for_token(*, token: ApiToken) -> Team | None:
    """Where jobs created with ``token`` go: its team while the user is still a member, else the
    user's personal team, else their current team."""
    user = token.user
    if token.team_id and Membership.objects.filter(team_id=token.team_id, user=user).exists():
        return token.team
    personal = Team.objects.for_user(user).filter(personal=True).order_by("created_at").first()
    return personal or current_team_for(user)
