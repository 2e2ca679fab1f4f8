"""The one provider interface. Cloud (AI/ML API) and local (faster-whisper) implement it.

The pipeline (``transcripts.services.pipeline``) drives a job through the state machine and
asks its provider for one step at a time:

- ``start(job, events=...)`` begins the work. A remote provider makes its single create call and
  returns ``Submitted(remote_id)``; a local provider runs the engine to the end and returns
  ``Finished``, telling the pipeline what happens through ``events`` (``JobEvents``): providers
  never write a job row themselves and never import the services above them.
- ``check(job)`` asks a remote provider about a submitted job: ``Pending`` or ``Finished``.

What the pipeline and the submission rules need to know about a provider they ask it
(``remote``, ``cluster``, ``needs_key``, ``check_url``) instead of branching on its name.
Failures are raised as ``ProviderError`` subclasses so the pipeline maps each to one rule.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from ..models import Job
    from ..normalise import NormalisedTranscript


@dataclass(frozen=True)
class OptionSpec:
    """One request option of a model family, with the vendor's exact field name and type.

    kind: "bool" | "str" | "int" | "float" | "enum" | "str_list" | "str_or_list" | "bcp47" |
    "spelling_list" | "bool_or_list"; bounds for numbers; max_items for lists.
    """

    name: str
    kind: str
    label: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_items: int | None = None
    max_length: int | None = None
    #: What the engine does when the option is not sent; a form shows it and sends only changes.
    default: Any = None


@dataclass(frozen=True)
class ModelSpec:
    """One selectable model: its id as sent to the provider, and which options it takes."""

    id: str
    label: str
    provider: str  # "cloud" | "local"
    group: str  # shown as an <optgroup>: "Deepgram Nova-2", "Whisper", "AssemblyAI", "Local engine"...
    family: str  # key into the option table of its provider
    options: tuple[OptionSpec, ...] = ()
    upload_field: str = "audio"
    description: str = ""
    aliases: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Submitted:
    remote_id: str


@dataclass(frozen=True)
class Pending:
    status: str = ""
    progress: float | None = None


@dataclass(frozen=True)
class Finished:
    transcript: NormalisedTranscript


Outcome = Submitted | Pending | Finished


class ProviderError(Exception):
    """Base of every provider failure; ``message`` is shown to the user as is."""

    code: ClassVar[str] = "provider_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransientError(ProviderError):
    """429, 5xx, timeouts before sending, resets, malformed JSON: try again later."""

    code = "transient"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ProviderError):
    """400, vendor ``status: error``, unreadable audio: retrying cannot help."""

    code = "rejected"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class KeyRejected(ProviderError):
    """401: the key is wrong or revoked; the key is marked invalid."""

    code = "key_rejected"


class QuotaExceeded(ProviderError):
    """403: out of credits or over a plan limit, until the user acts."""

    code = "quota"


class OutcomeUnknown(ProviderError):
    """The create call was sent but no answer came: a generation may or may not exist."""

    code = "create_outcome_unknown"


class JobEvents(Protocol):
    """What a provider tells the pipeline while it works; the pipeline does the writing."""

    def progress(self, share: float) -> bool:
        """Record progress (0..1) and renew the job's lease; False once the job was cancelled."""
        ...

    def audio_kept(self, *, name: str, size: int, content_type: str, filename: str) -> None:
        """A fetched URL's audio was stored under ``name``: the job keeps it (player, exports)."""
        ...


class NoEvents:
    """For steps nobody follows (a remote create call): progress is accepted and dropped."""

    def progress(self, share: float) -> bool:
        return True

    def audio_kept(self, *, name: str, size: int, content_type: str, filename: str) -> None:
        return None


class Provider(ABC):
    name: ClassVar[str]
    #: How a job's provider is shown to people ("AI/ML API", "Local engine").
    label: ClassVar[str]
    #: django-q2 cluster that runs this provider's steps (None = the default network cluster).
    cluster: ClassVar[str | None] = None
    #: True when ``start`` only submits and ``check`` must be polled (by the one poller).
    remote: ClassVar[bool] = False
    #: True when a job is paid with an AI/ML API key (the submitter's own, else the team's).
    needs_key: ClassVar[bool] = False

    @abstractmethod
    def models(self) -> list[ModelSpec]:
        """The models this provider offers right now (local: the ones installed)."""

    @abstractmethod
    def start(self, job: Job, *, events: JobEvents) -> Outcome: ...

    def check(self, job: Job) -> Outcome:
        raise NotImplementedError(f"{self.name} does not poll")

    def check_url(self, url: str) -> None:
        """Refuse (``PermanentError``) a source URL this provider must not fetch; the default
        trusts the URL to a remote service that fetches it from its own network."""
        return None

    @property
    def engine_version(self) -> str:
        """The engine's version as the compatible endpoints report it ("" when unknown)."""
        return ""
