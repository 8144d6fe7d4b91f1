"""The exam API takes its numbers and times as they are documented, never a look-alike: a
sequence number must be a JSON integer, a client time must carry its UTC offset and be near the
server's clock; what does not fit is a 422 that stores nothing, never a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from exams.models import Answer, Attempt, AttemptEvent
from questionbank.models import Question

pytestmark = pytest.mark.django_db


def answer_url(attempt: Attempt) -> str:
    question = Question.objects.get(pk=attempt.paper[0]["question"])
    return f"/api/exam/attempts/{attempt.pk}/answers/{question.pk}"


@pytest.mark.parametrize("seq", ["20", " 22 ", 21.0, True, None, [1]])
def test_a_sequence_number_that_is_not_an_integer_is_refused(
    carol_client: Client, carol_attempt: Attempt, seq: object
) -> None:
    body = json.dumps({"response": "B", "seq": seq})
    response = carol_client.put(answer_url(carol_attempt), body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert not Answer.objects.filter(attempt=carol_attempt).exists()


def event(client: Client, attempt: Attempt, client_at: object):
    return client.post(
        f"/api/exam/attempts/{attempt.pk}/events",
        json.dumps({"kind": "hidden", "client_at": client_at}),
        content_type="application/json",
    )


@pytest.mark.parametrize(
    "client_at",
    [
        "2026-05-01T08:30:00+23:59",  # Python accepts it; PostgreSQL refuses it (was a 500)
        "2026-05-01T08:30:00",  # no offset: whose clock?
        "1970-01-01T00:00:00Z",
        "2999-01-01T00:00:00Z",
        "yesterday",
    ],
)
def test_an_implausible_client_time_is_refused(
    carol_client: Client, carol_attempt: Attempt, client_at: str
) -> None:
    response = event(carol_client, carol_attempt, client_at)
    assert response.status_code == 422, response.content
    assert not AttemptEvent.objects.filter(attempt=carol_attempt).exists()


def test_a_client_time_is_stored_in_utc(carol_client: Client, carol_attempt: Attempt) -> None:
    moment = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=3)
    response = event(carol_client, carol_attempt, moment.isoformat())
    assert response.status_code == 200, response.content
    stored = AttemptEvent.objects.get(attempt=carol_attempt).client_at
    assert stored == moment and stored.utcoffset() == dt.timedelta(0)


def test_every_api_error_is_json_in_the_documented_shape(
    carol_client: Client, carol_attempt: Attempt, settings
) -> None:
    url = answer_url(carol_attempt)
    invalid = carol_client.put(url, json.dumps({"seq": "x"}), content_type="application/json")
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "invalid_request"
    assert "seq" in invalid.json()["message"] and "response" in invalid.json()["message"]

    wrong_method = carol_client.delete(url)
    assert wrong_method.status_code == 405
    assert wrong_method["Content-Type"] == "application/json"
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert "PUT" in wrong_method["Allow"]

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"response": "x" * 20_000, "seq": 1})
    too_big = carol_client.put(url, body, content_type="application/json")
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "too_large"
    assert not Answer.objects.filter(attempt=carol_attempt).exists()
