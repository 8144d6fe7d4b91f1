"""Uploaded question files held between the dry-run preview and the confirmation.

The file is kept in the cache (Redis in production, shared by every web process) under a random
token bound to the user and the subject, for ``TTL`` seconds. ``take`` hands it out once: only
the request whose ``delete`` removed the key gets it, so a double-clicked "Import" imports once.
With the cache unreachable both raise ``core.ratelimit.Unavailable`` (a 503 "try again in a
minute" for the page), never a server error.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import cache

from core.ratelimit import guarded

TTL = 30 * 60


def _key(user: Any, subject_id: int, token: str) -> str:
    return f"qbank-import:{user.pk}:{subject_id}:{token}"


def stage(user: Any, subject_id: int, filename: str, data: bytes) -> str:
    token = secrets.token_urlsafe(16)
    guarded(
        lambda: cache.set(_key(user, subject_id, token), {"filename": filename, "data": data}, TTL)
    )
    return token


def take(user: Any, subject_id: int, token: str) -> tuple[str, bytes] | None:
    """The staged file, or None when it expired, was taken already or belongs to someone else."""
    if not token or len(token) > 64:
        return None
    key = _key(user, subject_id, token)
    staged = guarded(lambda: cache.get(key))
    if staged is None or not guarded(lambda: cache.delete(key)):
        return None
    return staged["filename"], staged["data"]
