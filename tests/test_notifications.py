"""Notifications go out through the configured gateway once, failures are retried with back-off
and recorded in the delivery log (R-NOTE-1). The SMS provider is the one thing outside the
platform, so it is played by a small HTTP server on loopback."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    settings.NOTIFICATION_SMS_GATEWAY = "notifications.gateways.FileGateway"
    settings.NOTIFICATION_OUTBOX = str(tmp_path / "outbox.jsonl")
    return tmp_path / "outbox.jsonl"


class FakeProvider(BaseHTTPRequestHandler):
    replies: list[int] = []
    received: list[dict] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        FakeProvider.received.append(
            {"auth": self.headers["Authorization"], **json.loads(self.rfile.read(length))}
        )
        status = FakeProvider.replies.pop(0) if FakeProvider.replies else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": f"msg-{len(FakeProvider.received)}"}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider(settings) -> Iterator[type[FakeProvider]]:
    server = HTTPServer(("127.0.0.1", 0), FakeProvider)
    FakeProvider.replies, FakeProvider.received = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFICATION_SMS_GATEWAY = "notifications.gateways.HttpSmsGateway"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_HTTP_TOKEN = "token-123"
    yield FakeProvider
    server.shutdown()


def test_a_message_due_now_is_handed_to_a_worker_after_commit(
    outbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        delivery = services.queue("sms", " 13800138000 ", "口令 123456", purpose="exam.passcode")
    assert len(callbacks) == 1  # the send task, queued only once the row is committed
    tasks.send_delivery.apply(args=(delivery.pk,))  # what the worker then runs
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.tries == 1
    line = json.loads(outbox.read_text(encoding="utf-8").splitlines()[0])
    assert (line["to"], line["body"]) == ("13800138000", "口令 123456")


def test_a_message_is_sent_once_however_often_the_task_runs(outbox) -> None:
    delivery = services.queue("sms", "13800138000", "hello", purpose="test")
    for _ in range(3):
        tasks.send_delivery.apply(args=(delivery.pk,))
    assert len(outbox.read_text().splitlines()) == 1


def test_a_scheduled_message_waits_for_its_time(outbox) -> None:
    later = timezone.now() + dt.timedelta(hours=1)
    delivery = services.queue("sms", "13800138000", "tomorrow", purpose="test", scheduled_for=later)
    assert services.due_ids() == []
    assert services.due_ids(later + dt.timedelta(seconds=1)) == [delivery.pk]


def test_the_http_gateway_posts_to_the_provider(provider) -> None:
    delivery = services.queue("sms", "13800138000", "口令 654321", purpose="exam.passcode")
    services.send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.provider_id == "msg-1"
    assert provider.received == [
        {
            "auth": "Bearer token-123",
            "to": "13800138000",
            "text": "口令 654321",
            "reference": str(delivery.pk),
        }
    ]


def test_a_provider_outage_is_retried_later(provider) -> None:
    provider.replies = [503]
    delivery = services.queue("sms", "13800138000", "x", purpose="test")
    services.send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED
    assert "503" in delivery.error
    assert delivery.scheduled_for > timezone.now()
    services.send(delivery.pk)  # the beat job's next pass
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.tries == 2


def test_a_refused_message_is_not_retried(provider) -> None:
    provider.replies = [400]
    delivery = services.queue("sms", "not-a-number", "x", purpose="test")
    services.send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED


def test_an_unreachable_provider_gives_up_after_the_limit(settings, outbox) -> None:
    settings.NOTIFICATION_SMS_GATEWAY = "notifications.gateways.HttpSmsGateway"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/"  # discard port: nothing listens
    settings.NOTIFICATION_MAX_TRIES = 2
    delivery = services.queue("sms", "13800138000", "x", purpose="test")
    for _ in range(3):
        services.send(delivery.pk)
        Delivery.objects.filter(pk=delivery.pk).update(scheduled_for=timezone.now())
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.tries == 2


def test_email_goes_through_djangos_mail_backend(settings, mailoutbox) -> None:
    delivery = services.queue("email", "a@example.org", "body", subject="Subject", purpose="test")
    services.send(delivery.pk)
    assert [m.to for m in mailoutbox] == [["a@example.org"]]


def test_old_deliveries_are_purged(outbox, settings) -> None:
    settings.NOTIFICATION_RETENTION_DAYS = 30
    old = services.queue("sms", "1", "x", purpose="test")
    Delivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    services.queue("sms", "2", "y", purpose="test")
    assert services.purge_old() == 1
    assert Delivery.objects.count() == 1


def test_message_texts_are_blanked_a_day_after_sending_in_the_log_and_the_outbox(
    outbox, settings
) -> None:
    """A passcode is needed until the candidate has read it, not for the 180 days the delivery
    log is kept: after ``NOTIFICATION_BODY_RETENTION_HOURS`` only who, what for and when stay."""
    settings.NOTIFICATION_BODY_RETENTION_HOURS = 24
    old = services.queue("sms", "13800000001", "您的口令 K7PX9QMR", purpose="exam.passcode")
    new = services.queue("sms", "13800000002", "您的口令 W3HT8ZNA", purpose="exam.passcode")
    waiting = services.queue(
        "sms",
        "13800000003",
        "您的口令 R4MB6YQC",
        purpose="exam.passcode",
        scheduled_for=timezone.now() + dt.timedelta(days=3),
    )
    services.send(old.pk)
    services.send(new.pk)
    day_ago = timezone.now() - dt.timedelta(hours=25)
    Delivery.objects.filter(pk=old.pk).update(sent_at=day_ago)
    lines = outbox.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["at"] = day_ago.isoformat()
    outbox.write_text("\n".join([json.dumps(first), lines[1]]) + "\n", encoding="utf-8")

    services.purge_old()

    old.refresh_from_db()
    assert (old.body, old.recipient, old.purpose) == ("", "13800000001", "exam.passcode")
    assert Delivery.objects.get(pk=new.pk).body.endswith("W3HT8ZNA")
    assert Delivery.objects.get(pk=waiting.pk).body.endswith("R4MB6YQC"), "not sent yet"
    kept = outbox.read_text(encoding="utf-8")
    assert "K7PX9QMR" not in kept and "W3HT8ZNA" in kept


def test_the_log_gateway_logs_neither_the_text_nor_the_recipient(settings, caplog) -> None:
    settings.NOTIFICATION_SMS_GATEWAY = "notifications.gateways.LogGateway"
    delivery = services.queue("sms", "13800000001", "您的口令 K7PX9QMR", purpose="exam.passcode")
    with caplog.at_level("DEBUG"):
        services.send(delivery.pk)
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT
    assert "K7PX9QMR" not in caplog.text and "13800000001" not in caplog.text
