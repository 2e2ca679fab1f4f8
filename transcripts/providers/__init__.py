"""Provider registry: the cloud (AI/ML API) and local (faster-whisper) implementations.

Adding a provider is one ``Provider`` subclass and one line in ``PROVIDERS``; the pipeline, the
sweep and the submission rules ask the provider (``remote``, ``cluster``, ``needs_key``) rather
than its name.
"""

from __future__ import annotations

from .base import ModelSpec, Provider
from .cloud import CloudProvider
from .local import LocalProvider

PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        LocalProvider(),  # first: its models work with no key
        CloudProvider(),
    )
}


def get_provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise KeyError(f"unknown provider {name!r}") from None


def provider_names(*, remote: bool | None = None, needs_key: bool | None = None) -> list[str]:
    """Names of the registered providers, optionally only the remote (or keyed) ones."""
    return [
        name
        for name, provider in PROVIDERS.items()
        if (remote is None or provider.remote == remote)
        and (needs_key is None or provider.needs_key == needs_key)
    ]


def provider_label(name: str) -> str:
    provider = PROVIDERS.get(name)
    return provider.label if provider is not None else name


def all_models() -> list[ModelSpec]:
    """Every provider's models, in registry order (local first: they work with no key)."""
    return [spec for provider in PROVIDERS.values() for spec in provider.models()]


def find_model(model_id: str) -> ModelSpec | None:
    models = all_models()
    exact = next((spec for spec in models if spec.id == model_id), None)
    return exact or next((spec for spec in models if model_id in spec.aliases), None)
