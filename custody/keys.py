"""The Ed25519 key that signs evidence packages, and the public keys that verify them.

The private key never lives in the database, so a copy of the database (or of its backups)
cannot sign a package. Production requires ``EVIDENCE_SIGNING_KEY`` in the environment, or
``EVIDENCE_SIGNING_KEY_FILE`` naming a file that holds it (a mounted secret); the settings
refuse to load without one. The embedded default generates a key file under ``var/`` on first
use; tests make their own key.

A key is written as the base64 of its 32-byte seed, or as a PEM (PKCS #8) private key. A key
is named by its id: the first 16 hex digits of the SHA-256 of its raw public key, which each
package carries, so a package names the key that signed it.

Rotation: a new signing key signs new packages; the public keys of the old ones stay listed in
``EVIDENCE_VERIFY_KEYS`` (base64 of the 32-byte raw public keys), so packages signed before the
rotation still verify. A key dropped from that list no longer verifies anything it signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core import secret_files


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def encode_private(key: Ed25519PrivateKey) -> str:
    """The key as this platform writes it: the base64 of its 32-byte seed."""
    seed = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(seed).decode()


def parse_private(text: str) -> Ed25519PrivateKey:
    """A private key from the base64 of its seed or from a PEM; ``ImproperlyConfigured`` (with
    no part of the key in the message) for anything else."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"EVIDENCE_SIGNING_KEY is not a PEM private key: {exc}"
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("EVIDENCE_SIGNING_KEY must be an Ed25519 key.")
        return key
    seed = _b64_32(text)
    if seed is None:
        raise ImproperlyConfigured(
            "EVIDENCE_SIGNING_KEY must be the base64 of a 32-byte Ed25519 seed or a PEM key."
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def _b64_32(text: str) -> bytes | None:
    """The 32 bytes a base64 text encodes (an Ed25519 seed or public key), or None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def parse_public(text: str) -> Ed25519PublicKey:
    raw = _b64_32(text.strip())
    if raw is None:
        raise ImproperlyConfigured(
            "EVIDENCE_VERIFY_KEYS lists base64 raw Ed25519 public keys (32 bytes each)."
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def signing_key() -> Ed25519PrivateKey:
    """The key new packages are signed with (read from the settings on every use: reading a
    32-byte seed costs microseconds, and a test or a rotation changes it without a restart)."""
    text = settings.EVIDENCE_SIGNING_KEY
    if not text:
        if settings.EVIDENCE_SIGNING_KEY_REQUIRED:
            raise ImproperlyConfigured(
                "EVIDENCE_SIGNING_KEY (or EVIDENCE_SIGNING_KEY_FILE) is required: "
                "python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
            )
        text = secret_files.read_or_create(
            Path(settings.EVIDENCE_SIGNING_KEY_FILE_DEFAULT),
            lambda: encode_private(Ed25519PrivateKey.generate()).encode(),
        ).decode()
    return parse_private(text)


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys a package may be signed by, by key id: the current signing key's and
    the older ones kept for verification (``EVIDENCE_VERIFY_KEYS``)."""
    keys = [parse_public(text) for text in settings.EVIDENCE_VERIFY_KEYS if text.strip()]
    keys.append(signing_key().public_key())
    return {key_id(key): key for key in keys}
