"""Scheduled work of inspections: escalating overdue rectification items (R-INSP-4)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from inspections import services


@shared_task(
    name="inspections.escalate_overdue",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def escalate_overdue() -> int:
    """Escalate every overdue item once per deadline; returns how many were escalated now.
    Each item is its own transaction, so one failure does not hold back the others."""
    return sum(services.escalate(pk) for pk in services.overdue_ids())
