"""Celery tasks of the audit log."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="audit.purge_old_entries",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def purge_old_entries() -> int:
    """Daily (beat): entries past ``AUDIT_RETENTION_DAYS`` are exported, then deleted."""
    from audit import retention

    return sum(export.count for export in retention.purge_audit_log())
