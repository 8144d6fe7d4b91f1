"""Face templates encrypted at rest (R-PROC-2).

The key never lives in the database: production reads ``FACE_TEMPLATE_KEY`` (a Fernet key) from
the environment and refuses to work without it; the embedded default generates a key file under
``var/`` on first use (so a copied database alone cannot be decrypted); tests use a fixed key.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core import secret_files

ENCODING_DTYPE = np.dtype("<f8")
ENCODING_LENGTH = 128


class TemplateUnreadable(Exception):
    """A stored template that this key cannot decrypt (key rotated or data damaged)."""


@functools.cache
def _fernet() -> Fernet:
    key = settings.FACE_TEMPLATE_KEY
    if not key:
        if settings.FACE_TEMPLATE_KEY_REQUIRED:
            raise ImproperlyConfigured(
                "FACE_TEMPLATE_KEY is required: set it to a Fernet key "
                "(python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')."
            )
        return Fernet(
            secret_files.read_or_create(
                Path(settings.FACE_TEMPLATE_KEY_FILE_DEFAULT), Fernet.generate_key
            )
        )
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except ValueError as exc:
        raise ImproperlyConfigured(f"FACE_TEMPLATE_KEY is not a Fernet key: {exc}") from exc


def check_key() -> None:
    """Raise ``ImproperlyConfigured`` if templates cannot be encrypted with this configuration."""
    _fernet()


def encrypt_encoding(encoding: np.ndarray) -> bytes:
    vector = np.asarray(encoding, dtype=ENCODING_DTYPE)
    if vector.shape != (ENCODING_LENGTH,):
        raise ValueError(f"a face encoding has {ENCODING_LENGTH} values, not {vector.shape}")
    return _fernet().encrypt(vector.tobytes())


def decrypt_encoding(token: bytes) -> np.ndarray:
    try:
        raw = _fernet().decrypt(bytes(token))
    except InvalidToken:
        raise TemplateUnreadable("the face template cannot be decrypted with this key") from None
    return np.frombuffer(raw, dtype=ENCODING_DTYPE).copy()
