"""Background jobs of the exam engine. Tasks take IDs and are safe to run more than once."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from exams import services


@shared_task(
    name="exams.grade_attempt",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def grade_attempt(attempt_id: int) -> None:
    services.grade(attempt_id)


@shared_task(name="exams.submit_expired_attempts")
def submit_expired_attempts() -> int:
    return services.submit_expired()
