"""Background jobs of support. Tasks are safe to run more than once."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from support.models import Conversation, DeviceCheck, MakeupRequest
from support.statuses import ConversationStatus


def purge_old_records(now: dt.datetime | None = None) -> dict[str, int]:
    """Apply the retention rules of the ``.. pii:`` labels in ``support.models``."""
    now = now or timezone.now()
    days = dt.timedelta(days=1)
    chat_cutoff = now - settings.SUPPORT_CHAT_RETENTION_DAYS * days
    # A conversation nobody closed is purged the same time after its last message.
    conversations, _ = Conversation.objects.filter(
        Q(status=ConversationStatus.CLOSED, closed_at__lt=chat_cutoff)
        | Q(last_message_at__lt=chat_cutoff)
    ).delete()
    checks, _ = DeviceCheck.objects.filter(
        created_at__lt=now - settings.SUPPORT_DEVICE_CHECK_RETENTION_DAYS * days
    ).delete()
    screenshots = 0
    for makeup in MakeupRequest.objects.filter(
        decided_at__lt=now - settings.SUPPORT_MAKEUP_RETENTION_DAYS * days
    ).exclude(screenshot=""):
        makeup.screenshot.delete(save=False)
        MakeupRequest.objects.filter(pk=makeup.pk).update(screenshot="")
        screenshots += 1
    return {"conversations": conversations, "device_checks": checks, "screenshots": screenshots}


@shared_task(
    name="support.purge_old_records",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def purge_old_records_task() -> dict[str, int]:
    return purge_old_records()
