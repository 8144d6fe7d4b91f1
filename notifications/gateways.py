"""Gateways that carry a message out of the platform. Which one is used is a setting:
``NOTIFICATION_SMS_GATEWAY`` and ``NOTIFICATION_EMAIL_GATEWAY`` name a class here (or anywhere).

A gateway's ``send`` returns the provider's message id or raises ``GatewayError``; it must not
write to the database (the service records the outcome).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from notifications.models import Delivery

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """The message was not accepted. ``permanent`` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Gateway(Protocol):
    def send(self, delivery: Delivery) -> str: ...


class LogGateway:
    """Notes in the log that a message went nowhere: for development, where nothing should leave
    the machine. Neither the text (it may hold a passcode) nor the recipient is logged; read
    them in the delivery log."""

    def send(self, delivery: Delivery) -> str:
        logger.info(
            "%s message %s (%s) not sent: log gateway",
            delivery.channel,
            delivery.pk,
            delivery.purpose,
        )
        return f"log-{delivery.pk}"


@contextmanager
def _locked_outbox(mode: str) -> Iterator[IO[str]]:
    """The outbox file, locked against the other processes that append to or purge it."""
    outbox = Path(settings.NOTIFICATION_OUTBOX)
    outbox.parent.mkdir(parents=True, exist_ok=True)
    with outbox.open(mode, encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def purge_outbox(now: dt.datetime | None = None) -> int:
    """Drop the outbox lines older than ``NOTIFICATION_BODY_RETENTION_HOURS`` (they may hold
    passcodes); returns how many went."""
    if not Path(settings.NOTIFICATION_OUTBOX).exists():
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(
        hours=settings.NOTIFICATION_BODY_RETENTION_HOURS
    )
    with _locked_outbox("r+") as handle:
        lines = handle.readlines()
        kept = [line for line in lines if _line_time(line) >= cutoff]
        handle.seek(0)
        handle.writelines(kept)
        handle.truncate()
    return len(lines) - len(kept)


def _line_time(line: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(json.loads(line)["at"])
    except (ValueError, KeyError, TypeError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)  # unreadable: purged with the old ones


class FileGateway:
    """Appends each message as a JSON line to ``NOTIFICATION_OUTBOX``: the embedded default, and
    a record an operator can read when no SMS provider is configured. Lines are purged after
    ``NOTIFICATION_BODY_RETENTION_HOURS``; production refuses this gateway unless told it is a
    drill (``config.settings.prod``)."""

    def send(self, delivery: Delivery) -> str:
        line = {
            "id": delivery.pk,
            "channel": delivery.channel,
            "to": delivery.recipient,
            "subject": delivery.subject,
            "body": delivery.body,
            "at": timezone.now().isoformat(),
        }
        with _locked_outbox("a") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return f"file-{delivery.pk}"


class HttpSmsGateway:
    """Posts ``{"to", "text", "reference"}`` as JSON to ``SMS_HTTP_URL`` with a bearer token
    (``SMS_HTTP_TOKEN``), the shape most Chinese SMS aggregators accept behind a small adapter.
    A 2xx reply with ``{"id": ...}`` is success; 4xx is permanent; 5xx and network errors are
    retried by the caller."""

    def send(self, delivery: Delivery) -> str:
        payload = json.dumps(
            {"to": delivery.recipient, "text": delivery.body, "reference": str(delivery.pk)}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            settings.SMS_HTTP_URL,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise GatewayError(
                f"provider answered {exc.code}", permanent=400 <= exc.code < 500
            ) from exc
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise GatewayError(f"provider unreachable: {exc}") from exc
        return str(body.get("id", ""))


class DjangoEmailGateway:
    """E-mail through Django's configured ``EMAIL_BACKEND``."""

    def send(self, delivery: Delivery) -> str:
        try:
            send_mail(delivery.subject, delivery.body, None, [delivery.recipient])
        except OSError as exc:
            raise GatewayError(f"mail server refused: {exc}") from exc
        return f"mail-{delivery.pk}"


def gateway_for(channel: str) -> Gateway:
    if channel == "sms":
        return _load(settings.NOTIFICATION_SMS_GATEWAY)
    return _load(settings.NOTIFICATION_EMAIL_GATEWAY)


@cache
def _load(path: str) -> Gateway:
    gateway: Gateway = import_string(path)()
    return gateway
