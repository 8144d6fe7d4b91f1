from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from jobs import services


@shared_task(
    name="jobs.run",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def run(job_id: int) -> None:
    """Run one background job (idempotent: see ``services.run``)."""
    services.run(job_id)


@shared_task(name="jobs.purge_old")
def purge_old() -> int:
    return services.purge_old()
