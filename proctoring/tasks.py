"""Celery tasks of live proctoring (the ``default`` queue)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from proctoring import recordings

RETRY: Any = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="proctoring.purge_recordings", **RETRY)
def purge_recordings() -> int:
    """Daily (beat): recordings past ``RECORDING_RETENTION_DAYS`` go, files and rows."""
    return recordings.purge_recordings()
