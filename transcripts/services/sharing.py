"""Share links: read-only links to one transcript for people outside the app.

A link's token is 192 random bits shown once (only its SHA-256 digest is stored); it may expire,
carry a password (hashed like an account password), and include the audio and downloads or not.
Every opening is recorded (``ShareAccess``), with the visitor's address only when the operator
turns ``STT_SHARE_LOG_IP`` on. Wrong passwords are throttled per link.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from ..models import Job, JobState, ShareAccess, ShareLink, Team
from .permissions import Action, require

TOKEN_BYTES = 24
PASSWORD_ATTEMPTS = 5
PASSWORD_WINDOW = timedelta(minutes=15)
SESSION_KEY = "unlocked_share_links"
EXPIRY_DAYS = {"1d": 1, "7d": 7, "30d": 30}
Outcome = ShareAccess.Outcome


class ShareRefused(ValidationError):
    """A share link that cannot be made as asked; the message says why."""


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry_from(*, choice: str, on: date | None = None) -> datetime | None:
    """ "1d" / "7d" / "30d" / "never" / "date" (with ``on``: the end of that day) -> when it ends."""
    if choice == "never":
        return None
    if choice in EXPIRY_DAYS:
        return timezone.now() + timedelta(days=EXPIRY_DAYS[choice])
    if choice == "date" and on is not None:
        ends = timezone.make_aware(datetime.combine(on, time.max))
        if ends <= timezone.now():
            raise ShareRefused("Choose a date in the future.")
        return ends
    raise ShareRefused("Choose when the link expires.")


def create_share_link(
    *,
    job: Job,
    by,
    expires_at: datetime | None,
    label: str = "",
    password: str = "",
    include_audio: bool = True,
    include_downloads: bool = True,
) -> tuple[ShareLink, str]:
    """Make a link; returns it and its token (shown once)."""
    require(user=by, action=Action.SHARE, job=job)
    if job.state != JobState.COMPLETED:
        raise ShareRefused("Only a finished transcript can be shared.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        job=job,
        label=" ".join(label.split())[:80],
        prefix=token[:6],
        digest=digest_of(token),
        password_hash=make_password(password) if password else "",
        include_audio=include_audio,
        include_downloads=include_downloads,
        expires_at=expires_at,
        created_by=by,
    )
    return link, token


def revoke_share_link(*, link: ShareLink, by) -> None:
    require(user=by, action=Action.SHARE, job=link.job)
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )


def links_of(*, job: Job):
    return job.share_links.select_related("created_by").order_by("-created_at")


def live_links_of_team(*, team: Team):
    return ShareLink.objects.live().filter(job__team=team).select_related("job", "created_by")


def find(token: str) -> ShareLink | None:
    if not token or len(token) > 100:
        return None
    return ShareLink.objects.select_related("job", "job__team").filter(digest=digest_of(token)).first()


@dataclass(frozen=True)
class Opening:
    """What a visitor of a share link gets: ``ok`` (the transcript), or why not."""

    outcome: str
    link: ShareLink | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OPENED


def _record(link: ShareLink, outcome: str, address: str | None) -> None:
    ShareAccess.objects.create(
        link=link, outcome=outcome, ip_address=address if settings.STT_SHARE_LOG_IP else None
    )
    if outcome == Outcome.OPENED:
        ShareLink.objects.filter(pk=link.pk).update(use_count=F("use_count") + 1, last_used_at=timezone.now())


def _throttled(link: ShareLink) -> bool:
    since = timezone.now() - PASSWORD_WINDOW
    recent = link.accesses.filter(outcome=Outcome.WRONG_PASSWORD, at__gte=since).count()
    return recent >= PASSWORD_ATTEMPTS


def state_of(link: ShareLink | None) -> str | None:
    """Why a link cannot be opened at all (None when it is live)."""
    if link is None:
        return "missing"
    if link.revoked_at is not None:
        return Outcome.REVOKED
    if link.is_expired:
        return Outcome.EXPIRED
    return None


def unlocked(*, link: ShareLink, session) -> bool:
    return not link.has_password or link.pk in session.get(SESSION_KEY, [])


def visit(*, link: ShareLink | None, session, address: str | None, record: bool = True) -> Opening:
    """A GET of the share page (or its audio and downloads, with ``record=False``)."""
    problem = state_of(link)
    if problem is not None:
        if link is not None and record:
            _record(link, problem, address)
        return Opening(problem, link)
    if not unlocked(link=link, session=session):
        return Opening("password_needed", link)
    if record:
        _record(link, Outcome.OPENED, address)
    return Opening(Outcome.OPENED, link)


def try_password(*, link: ShareLink, password: str, session, address: str | None) -> Opening:
    problem = state_of(link)
    if problem is not None:
        return Opening(problem, link)
    if _throttled(link):
        _record(link, Outcome.THROTTLED, address)
        return Opening(Outcome.THROTTLED, link)
    if not check_password(password or "", link.password_hash):
        _record(link, Outcome.WRONG_PASSWORD, address)
        return Opening(Outcome.WRONG_PASSWORD, link)
    session[SESSION_KEY] = [*session.get(SESSION_KEY, []), link.pk]
    return Opening(Outcome.OPENED, link)


def recent_accesses(*, team: Team, limit: int = 50):
    return ShareAccess.objects.filter(link__job__team=team).select_related("link", "link__job")[:limit]
