"""A secret kept in a file the embedded default generates on first use (evidence signing key,
face template key): read it if it is there, else write a new one, once.

O_EXCL: two processes starting at once must not each write a different secret, so the loser
of the race reads the winner's. The file is created 0600 and its parent directory if missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret in ``path`` (surrounding whitespace stripped); when there is none yet, the one
    ``make`` generates, written there first."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret.strip()
