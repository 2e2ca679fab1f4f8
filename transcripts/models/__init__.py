"""Models, one module per concept. Every owned object belongs to a team and records its creator."""

from .api_tokens import ApiToken
from .edits import TranscriptEdit
from .jobs import Job, JobState, Transcript
from .keys import ProviderKey
from .leases import Lease
from .teams import Invitation, Membership, Profile, Role, Team

__all__ = [
    "ApiToken",
    "Invitation",
    "Job",
    "JobState",
    "Lease",
    "Membership",
    "Profile",
    "ProviderKey",
    "Role",
    "Team",
    "Transcript",
    "TranscriptEdit",
]
