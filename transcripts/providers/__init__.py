"""Provider registry: the cloud (AI/ML API) and local (faster-whisper) implementations."""

from __future__ import annotations

from functools import cache

from .base import ModelSpec, Provider


@cache
def get_provider(name: str) -> Provider:
    if name == "cloud":
        from .cloud import CloudProvider

        return CloudProvider()
    if name == "local":
        from .local import LocalProvider

        return LocalProvider()
    raise KeyError(f"unknown provider {name!r}")


def all_models() -> list[ModelSpec]:
    """Local models first (they work with no key), then the cloud catalogue."""
    return [*get_provider("local").models(), *get_provider("cloud").models()]


def find_model(model_id: str) -> ModelSpec | None:
    models = all_models()
    exact = next((spec for spec in models if spec.id == model_id), None)
    return exact or next((spec for spec in models if model_id in spec.aliases), None)
