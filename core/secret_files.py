"""A secret kept in a file the embedded default generates on first use (evidence signing key,
face template key): read it if it is there, else write a new one, once.

Two processes starting at once must not each write a different secret, nor may one read the
file while the other is still writing it: the secret is written whole under a temporary name
(0600) and then hard-linked into place, which fails when the name exists, so the loser of the
race reads the winner's complete file. The parent directory is created if missing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret in ``path`` (surrounding whitespace stripped); when there is none yet, the one
    ``make`` generates, written there first."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = make()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_bytes().strip()
    finally:
        os.unlink(temporary)
    return secret.strip()
