"""What every stored upload of an attempt shares: recording segments, room scans, screen stills,
sampled frames and proctors' screenshots.

Each is kept as a file and a row that points to it, with the SHA-256 of the bytes as they
arrived, so an evidence package (``custody``) can prove later that the file it carries is the
one received. The file is written first, then the row: a row never points to a missing file,
and a row that cannot be written takes its file with it (stored files are not transactional).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from core import ratelimit
from core.errors import Refused


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_with_file(
    row: models.Model,
    field: str,
    name: str,
    data: bytes,
    *,
    then: Callable[[], Any] | None = None,
) -> None:
    """Store ``data`` in ``row``'s file ``field`` (as ``name``), hash it into ``row.sha256``,
    then save ``row`` and run ``then`` (the caller's writes that belong with the row) in one
    savepoint. Anything raised (an ``IntegrityError`` of a concurrent retry too) deletes the file
    again and is raised to the caller, which decides what it means."""
    row.sha256 = sha256_hex(data)  # type: ignore[attr-defined]
    stored = getattr(row, field)
    stored.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            row.save()
            if then is not None:
                then()
    except BaseException:
        stored.delete(save=False)
        raise


def server_start(
    sent_at_ms: int, started_at_ms: int, now: dt.datetime, not_before: dt.datetime
) -> dt.datetime | None:
    """When an upload started on the server's clock: now minus its age as the browser measured
    it (``sent_at - started_at``, which does not depend on how wrong the browser's clock is).
    None when that is before ``not_before`` (the attempt's start less the clock slack)."""
    started_at = now - dt.timedelta(milliseconds=sent_at_ms - started_at_ms)
    return None if started_at < not_before else started_at


def refuse_if_flooded(scope: str, key: str, limit: int, refusal: Callable[..., Refused]) -> None:
    """Count one upload of ``key`` in ``scope``; past ``limit`` a minute it is refused (429,
    ``rate_limited``, retry after 60 s). Uploads are page traffic: with Redis away the limit
    lets them through rather than lose evidence."""
    if not ratelimit.hit(scope, key, limit=limit, fail_open=True):
        raise refusal(
            "rate_limited", _("Too many uploads. Wait a minute."), status=429, retry_after=60
        )
