"""Leaving the exam page (R-EXAM-6): every departure is recorded with the server's time, and
the exam's policy decides: record only, warn, or end the attempt (S3: it counts as used)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from audit.models import AuditEntry
from exams.models import Attempt, AttemptEvent, Exam
from exams.statuses import AttemptStatus
from tests.personas import Personas


def report(client: Client, attempt: Attempt, kind: str):
    return client.post(
        f"/api/exam/attempts/{attempt.pk}/events",
        json.dumps({"kind": kind}),
        content_type="application/json",
    )


def set_policy(personas: Personas, policy: str) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(leave_policy=policy)


def test_under_log_only_a_departure_is_recorded(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.LOG)
    body = report(carol_client, carol_attempt, "hidden").json()
    assert body["action"] == "logged"
    event = AttemptEvent.objects.get()
    assert (event.kind, event.action) == ("hidden", "logged")
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING and carol_attempt.warnings == 0


def test_under_warn_the_candidate_is_warned_and_counted(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.WARN)
    first = report(carol_client, carol_attempt, "blur").json()
    second = report(carol_client, carol_attempt, "fullscreen_exit").json()
    assert first["action"] == second["action"] == "warned"
    assert first["message"]
    assert second["warnings"] == 2
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING


def test_under_consume_leaving_ends_the_attempt(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.CONSUME)
    body = report(carol_client, carol_attempt, "hidden").json()
    assert body["action"] == "consumed"
    assert body["result_url"] == f"/exam/attempts/{carol_attempt.pk}/result/"
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.SUBMITTED
    assert AuditEntry.objects.get(action="attempt.submitted").data["reason"] == "left_page"


@pytest.mark.parametrize("kind", ["copy", "paste", "context_menu", "returned"])
def test_blocked_actions_are_only_recorded_whatever_the_policy(
    personas: Personas, carol_client: Client, carol_attempt: Attempt, kind: str
) -> None:
    set_policy(personas, Exam.LeavePolicy.CONSUME)
    assert report(carol_client, carol_attempt, kind).json()["action"] == "logged"
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING


@pytest.mark.parametrize(
    "body", [{"kind": "teleported"}, {}, {"kind": "hidden", "client_at": "yesterday"}]
)
def test_malformed_events_are_refused(
    carol_client: Client, carol_attempt: Attempt, body: dict
) -> None:
    response = carol_client.post(
        f"/api/exam/attempts/{carol_attempt.pk}/events",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not AttemptEvent.objects.exists()


def test_a_flood_of_events_is_cut_off(
    personas: Personas, carol_client: Client, carol_attempt: Attempt, settings
) -> None:
    settings.EXAM_EVENTS_PER_MINUTE = 3
    set_policy(personas, Exam.LeavePolicy.LOG)
    codes = [report(carol_client, carol_attempt, "copy").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert AttemptEvent.objects.count() == 3


def test_another_candidate_cannot_report_on_my_attempt(
    personas: Personas, carol_attempt: Attempt
) -> None:
    from tests.conftest import candidate_client

    set_policy(personas, Exam.LeavePolicy.CONSUME)
    dave = candidate_client(personas, "dave")
    assert report(dave, carol_attempt, "hidden").status_code == 404
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING
