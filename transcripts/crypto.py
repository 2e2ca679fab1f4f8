"""Encryption of third-party secrets at rest (provider API keys).

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (Fernet keys, newest first) or, when that is
empty, from ``settings.FIELD_ENCRYPTION_KEY_FILE`` (one key per line, newest first; generated with
mode 0600 on first use). Never from SECRET_KEY: rotating one must not destroy the other.
The first key encrypts; every key decrypts; ``rotate_encryption_keys`` re-encrypts with the first.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

__all__ = ["InvalidToken", "decrypt", "encrypt", "generate_key", "reveal", "rotate"]


def generate_key() -> str:
    return Fernet.generate_key().decode()


@lru_cache(maxsize=4)
def _read_key_file(path: Path, mtime_ns: int) -> tuple[str, ...]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return tuple(line for line in lines if line and not line.startswith("#"))


def _read_or_create_key_file(path: Path) -> list[str]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".fernet-")  # created 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(generate_key() + "\n")
            # link() never replaces: when two processes start at once, the first key wins and
            # nobody ever reads a half-written file.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    # Every poll decrypts a key: re-read the file only when it changed.
    return list(_read_key_file(path, path.stat().st_mtime_ns))


def configured_keys() -> list[str]:
    keys = [key for key in settings.FIELD_ENCRYPTION_KEYS if key]
    return keys or _read_or_create_key_file(Path(settings.FIELD_ENCRYPTION_KEY_FILE))


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("No field encryption key is configured.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _fernet() -> MultiFernet:
    return _multifernet(tuple(configured_keys()))


def encrypt(plaintext: str) -> bytes:
    return _fernet().encrypt(plaintext.encode())


def decrypt(token: bytes | memoryview) -> str:
    """The plaintext; raises ``InvalidToken`` when no configured key can read it."""
    return _fernet().decrypt(bytes(token)).decode()


def rotate(token: bytes | memoryview) -> bytes:
    """The same secret encrypted with the newest key."""
    return _fernet().rotate(bytes(token))


@sensitive_variables("secret")
def reveal(key) -> str:
    """The plaintext of a ``ProviderKey``, for the worker's request only. Raises ``InvalidToken``."""
    secret = decrypt(key.ciphertext)
    return secret
