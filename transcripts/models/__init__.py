"""Models, one module per concept. Every owned object belongs to a team and records its creator."""

from .api_tokens import ApiToken
from .edits import TranscriptEdit
from .jobs import Job, JobState, Transcript
from .keys import ProviderKey
from .leases import Lease
from .search import SearchDocument, SearchSegment
from .sharing import ShareAccess, ShareLink
from .teams import Invitation, Membership, Profile, Role, Team, Visibility

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
    "SearchDocument",
    "SearchSegment",
    "ShareAccess",
    "ShareLink",
    "Team",
    "Transcript",
    "TranscriptEdit",
    "Visibility",
]
