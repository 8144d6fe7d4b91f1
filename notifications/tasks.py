from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from notifications import services


@shared_task(
    name="notifications.send_delivery",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def send_delivery(delivery_id: int) -> None:
    services.send(delivery_id)


@shared_task(name="notifications.send_due")
def send_due() -> int:
    """Send scheduled messages whose time has come, and retries whose back-off has passed."""
    services.release_stuck()
    ids = services.due_ids()
    for delivery_id in ids:
        send_delivery.delay(delivery_id)
    return len(ids)


@shared_task(name="notifications.purge_old")
def purge_old() -> int:
    return services.purge_old()
