"""Which model the Transcribe form preselects, and the sentence that says why.

The preselected model is never switched silently: ``model_choice_for`` returns the model with a
note the form shows under the select ("Last used: Nova-3 (AI/ML API)", "Default: …", or why the
last model is not preselected this time).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Profile, ProviderKey, Team
from ..providers import all_models, find_model, get_provider
from ..providers.base import ModelSpec
from ..providers.whisper_models import PREFERRED_KEYS
from .keys import resolve_key

# Multilingual first: a default must not turn German speech into English gibberish.
LOCAL_PREFERENCE = tuple(f"local/{key}" for key in PREFERRED_KEYS)


@dataclass(frozen=True)
class ModelChoice:
    model_id: str
    note: str  # one sentence for the form
    switched: bool = False  # the last model could not be preselected (the note says why)


def _keyless(spec: ModelSpec) -> bool:
    return not get_provider(spec.provider).needs_key


def default_local_model(specs: list[ModelSpec]) -> str:
    local = [spec.id for spec in specs if _keyless(spec)]
    return next((model_id for model_id in LOCAL_PREFERENCE if model_id in local), local[0] if local else "")


def model_label(spec: ModelSpec) -> str:
    """ "Nova-3 (AI/ML API)", "Whisper tiny.en — English, fastest (local engine)"."""
    provider = get_provider(spec.provider)
    return f"{spec.label} ({provider.label if provider.needs_key else provider.label.lower()})"


def _key_problem(*, user, team: Team | None) -> str:
    """Why no AI/ML API key can pay for this user now; "" when one can."""
    key = resolve_key(user=user, team=team)
    if key is None:
        return "needs an AI/ML API key"
    if key.status == ProviderKey.Status.INVALID:
        return f"needs an AI/ML API key that works (the API rejected ••••{key.last4})"
    return ""


def model_choice_for(*, user, team: Team | None) -> ModelChoice:
    """The user's last choice while it still works for them; otherwise the local engine.

    Without a usable cloud key (own or the team's) a cloud model would only fail at submission,
    so a user without one gets the local engine even if they picked a cloud model before, and the
    note says so.
    """
    specs = all_models()
    by_id = {spec.id: spec for spec in specs}
    fallback = default_local_model(specs) or (specs[0].id if specs else "")
    last = Profile.objects.filter(user=user).values_list("last_model", flat=True).first() or ""
    chosen = by_id.get(last)
    if chosen is not None:
        problem = "" if _keyless(chosen) else _key_problem(user=user, team=team)
        if not problem:
            return ModelChoice(chosen.id, f"Last used: {model_label(chosen)}.")
        return ModelChoice(
            fallback, f"Your last model, {chosen.label}, {problem}: using the local engine.", switched=True
        )
    fallback_spec = by_id.get(fallback)
    if last and fallback_spec is not None:
        return ModelChoice(
            fallback, f"Your last model, {last}, is no longer offered: using the local engine.", switched=True
        )
    if fallback_spec is not None and _keyless(fallback_spec):
        return ModelChoice(fallback, "Default: the local engine — works with no key, on this server.")
    return ModelChoice(fallback, "")


def key_problem_for(*, user, team: Team | None, model_id: str) -> str:
    """Why this model cannot be paid for now ("" when it can, or needs no key), said before a
    submission is refused for it."""
    spec = find_model(model_id)
    if spec is None or _keyless(spec):
        return ""
    problem = _key_problem(user=user, team=team)
    return f"{spec.label} {problem}: add one in Settings, or pick the local engine." if problem else ""


def default_model_for(*, user, team: Team | None) -> str:
    """The model id ``model_choice_for`` preselects."""
    return model_choice_for(user=user, team=team).model_id
