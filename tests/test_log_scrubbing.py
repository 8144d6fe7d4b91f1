"""Secrets and personal data stay out of the logs (issue #14): a request whose URL carries a
phone pairing code and an ID number is logged, by the access log and by ``django.request``,
without either; the filter is configured for the loggers every process uses."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pytest
from channels.testing import HttpCommunicator
from django.test import Client

# Imported once, at collection: importing it sets Django up, and configuring logging again
# inside a test would drop pytest's capturing handler.
from config.asgi import application
from core.log_scrub import PLACEHOLDER, ScrubSecrets, scrub

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


def a_pairing_token() -> str:
    token = secrets.token_urlsafe(24)
    while not any(c.isdigit() for c in token):  # the shape the filter knows tokens by
        token = secrets.token_urlsafe(24)
    return token


def text_of(caplog: pytest.LogCaptureFixture, logger: str) -> str:
    records = [r for r in caplog.records if r.name == logger]
    assert records, f"nothing was logged to {logger}"
    return "\n".join(r.getMessage() for r in records)


@pytest.mark.django_db
def test_django_request_logs_a_pairing_link_without_its_code_or_the_id_number(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = a_pairing_token()
    caplog.set_level(logging.INFO)
    response = Client().get(f"/phone/{token}/?id_number={ID_NUMBER}&phone={PHONE}")
    assert response.status_code == 404  # an unknown code: django.request logs "Not Found"
    logged = text_of(caplog, "django.request")
    assert "/phone/" in logged and PLACEHOLDER in logged
    assert token not in logged
    assert ID_NUMBER not in logged
    assert PHONE not in logged


@pytest.mark.django_db(transaction=True)
async def test_the_access_log_of_the_web_process_leaves_out_the_code_and_the_id_number(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = a_pairing_token()
    caplog.set_level(logging.INFO)
    path = f"/phone/{token}/"
    request = HttpCommunicator(
        application, "GET", f"{path}?id_number={ID_NUMBER}", headers=[(b"host", b"localhost")]
    )
    response = await request.get_response(timeout=10)
    await request.wait(timeout=10)  # the line is written when the application returns
    assert response["status"] == 404
    logged = text_of(caplog, "proctor.access")
    assert '"GET /phone/[redacted]/?id_number=[redacted]" 404' in logged
    assert token not in logged and ID_NUMBER not in logged


def test_every_request_logger_and_the_console_handler_carry_the_filter() -> None:
    from django.conf import settings

    config: Any = settings.LOGGING
    assert config["filters"]["scrub_secrets"]["()"] == "core.log_scrub.ScrubSecrets"
    assert "scrub_secrets" in config["handlers"]["console"]["filters"]
    for name in ("proctor.access", "django.request", "django.server", "daphne"):
        assert "scrub_secrets" in config["loggers"][name]["filters"], name
        assert any(isinstance(f, ScrubSecrets) for f in logging.getLogger(name).filters), name
    # Celery keeps this configuration instead of installing its own root handlers.
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


@pytest.mark.parametrize(
    ("line", "kept", "gone"),
    [
        # Signed certificate download link, and the public verification token.
        ("GET /cert/download/ImFiYyI:1tKx3a:Q2n8yZx0aB7cD/ 200", "/cert/download/", "1tKx3a"),
        ("GET /cert/verify/Zk3aP0q9XbT7uV2wYc5dEf1g/ 200", "/cert/verify/", "Zk3aP0q9"),
        # Account invitation: the uid stays (it names no one), the token goes.
        ("GET /accounts/welcome/MQ/c3l4ab-0123456789abcdef01234567/ 200", "/MQ/", "c3l4ab"),
        # Search terms and passcodes in query strings; the page number stays.
        ("GET /candidates/?q=%E5%BC%A0%E4%B8%89&page=2 200", "page=2", "%E5%BC%A0"),
        ("POST /exam/login/?passcode=482913 302", "/exam/login/", "482913"),
        # An ID number or a phone number anywhere in a message.
        (f"candidate {ID_NUMBER} not found", "candidate", ID_NUMBER),
        (f"sms to {PHONE} failed", "sms to", PHONE),
    ],
)
def test_scrub_replaces_tokens_terms_and_numbers(line: str, kept: str, gone: str) -> None:
    cleaned = scrub(line)
    assert kept in cleaned and gone not in cleaned and PLACEHOLDER in cleaned


def test_words_in_paths_stay_readable() -> None:
    line = "GET /cert/plans/12/register/import/ 200 /static/js/exam.js"
    assert scrub(line) == line
