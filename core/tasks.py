from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Expired sessions hold who signed in from where; they go when they can no longer be used."""
    call_command("clearsessions")
