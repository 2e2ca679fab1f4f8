"""Which model the Transcribe form preselects."""

from __future__ import annotations

from ..models import Profile, Team
from ..providers import all_models, get_provider
from ..providers.base import ModelSpec
from .keys import resolve_key

# Multilingual first: a default must not turn German speech into English gibberish.
LOCAL_PREFERENCE = ("local/whisper-base", "local/whisper-tiny.en")


def _keyless(spec: ModelSpec) -> bool:
    return not get_provider(spec.provider).needs_key


def default_local_model(specs: list[ModelSpec]) -> str:
    local = [spec.id for spec in specs if _keyless(spec)]
    return next((model_id for model_id in LOCAL_PREFERENCE if model_id in local), local[0] if local else "")


def default_model_for(*, user, team: Team | None) -> str:
    """The user's last choice while it still works for them; otherwise the local engine.

    Without a usable cloud key (own or the team's) a cloud model would only fail at submission,
    so a user without one gets the local engine even if they picked a cloud model before.
    """
    specs = all_models()
    by_id = {spec.id: spec for spec in specs}
    last = Profile.objects.filter(user=user).values_list("last_model", flat=True).first() or ""
    chosen = by_id.get(last)
    if chosen is not None:
        if _keyless(chosen):
            return chosen.id
        if team is not None and resolve_key(user=user, team=team) is not None:
            return chosen.id
    return default_local_model(specs) or (specs[0].id if specs else "")
