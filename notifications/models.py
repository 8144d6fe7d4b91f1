from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def due(self, now: dt.datetime) -> DeliveryQuerySet:
        return self.filter(status=Delivery.Status.QUEUED, scheduled_for__lte=now)


class Delivery(models.Model):
    """One message to one person, and what became of it: the delivery log.

    .. pii: ``recipient`` (a phone number or e-mail address) and ``body`` (may hold a passcode);
       kept for ``NOTIFICATION_RETENTION_DAYS``, then purged.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    # What the message is for, e.g. "exam.passcode" or "inspection.overdue": filters the log.
    purpose = models.CharField(_("purpose"), max_length=80, db_index=True)
    # The record the message is about, as "app_label.model:pk", for the log's links.
    about = models.CharField(_("about"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    scheduled_for = models.DateTimeField(_("scheduled for"), default=timezone.now, db_index=True)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider message id"), max_length=120, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "scheduled_for"])]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.channel} {self.purpose} → {self.status}"
