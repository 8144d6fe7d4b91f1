"""Queue a notification, send it once, record what happened (the delivery log)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from notifications import gateways
from notifications.gateways import GatewayError, gateway_for
from notifications.models import Delivery


def queue(
    channel: str,
    recipient: str,
    body: str,
    *,
    purpose: str,
    subject: str = "",
    about: models.Model | None = None,
    scheduled_for: dt.datetime | None = None,
) -> Delivery:
    """Record a message to send at ``scheduled_for`` (now by default). A message due now is
    handed to a worker as soon as the surrounding transaction commits; later ones are picked up
    by the beat job ``notifications.send_due``."""
    from notifications import tasks

    delivery = Delivery.objects.create(
        channel=channel,
        recipient=recipient.strip(),
        subject=subject,
        body=body,
        purpose=purpose,
        about=f"{about._meta.label_lower}:{about.pk}" if about is not None else "",
        scheduled_for=scheduled_for or timezone.now(),
    )
    if delivery.scheduled_for <= timezone.now():
        transaction.on_commit(lambda: tasks.send_delivery.delay(delivery.pk))
    return delivery


def send(delivery_id: int) -> Delivery | None:
    """Send one queued delivery. Claimed with a conditional UPDATE, so two workers never send
    the same message; a vanished or already-handled delivery is left alone."""
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SENDING, tries=models.F("tries") + 1
    )
    if claimed != 1:
        return Delivery.objects.filter(pk=delivery_id).first()
    delivery = Delivery.objects.get(pk=delivery_id)
    try:
        provider_id = gateway_for(delivery.channel).send(delivery)
    except GatewayError as exc:
        retry = not exc.permanent and delivery.tries < settings.NOTIFICATION_MAX_TRIES
        delivery.status = Delivery.Status.QUEUED if retry else Delivery.Status.FAILED
        delivery.error = str(exc)
        # Back off: the next try waits longer each time.
        delivery.scheduled_for = timezone.now() + dt.timedelta(seconds=30 * 2**delivery.tries)
        delivery.save(update_fields=["status", "error", "scheduled_for"])
        return delivery
    delivery.status = Delivery.Status.SENT
    delivery.sent_at = timezone.now()
    delivery.provider_id = provider_id
    delivery.error = ""
    delivery.save(update_fields=["status", "sent_at", "provider_id", "error"])
    return delivery


def due_ids(now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    return list(Delivery.objects.due(now or timezone.now()).values_list("pk", flat=True)[:limit])


def release_stuck(now: dt.datetime | None = None) -> int:
    """A worker that died while sending leaves a delivery in ``sending``: queue it again."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=10)
    return Delivery.objects.filter(status=Delivery.Status.SENDING, scheduled_for__lt=cutoff).update(
        status=Delivery.Status.QUEUED
    )


def purge_old(now: dt.datetime | None = None) -> int:
    """Delete deliveries older than ``NOTIFICATION_RETENTION_DAYS``; blank the texts of those
    finished more than ``NOTIFICATION_BODY_RETENTION_HOURS`` ago (they may hold passcodes; the
    log keeps who, what for and when) and drop the file outbox's old lines."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Delivery.objects.filter(created_at__lt=cutoff).delete()
    body_cutoff = now - dt.timedelta(hours=settings.NOTIFICATION_BODY_RETENTION_HOURS)
    finished = Q(status=Delivery.Status.SENT, sent_at__lt=body_cutoff) | Q(
        status=Delivery.Status.FAILED, created_at__lt=body_cutoff
    )
    Delivery.objects.filter(finished).exclude(body="", subject="").update(body="", subject="")
    gateways.purge_outbox(now)
    return deleted
