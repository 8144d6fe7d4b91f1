"""Leaving the exam page (R-EXAM-6): every departure is recorded with the server's time, and
the exam's policy decides: record only, warn, or end the attempt (S3: it counts as used) once
the leave has lasted past the exam's grace, never for a single blur."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams import services, summaries
from exams.models import Attempt, AttemptEvent, Exam
from exams.statuses import AttemptStatus
from proctoring.models import Alert, AlertKind
from tests.personas import Personas


def report(client: Client, attempt: Attempt, kind: str, client_at: dt.datetime | None = None):
    body = {"kind": kind, **({"client_at": client_at.isoformat()} if client_at else {})}
    return client.post(
        f"/api/exam/attempts/{attempt.pk}/events",
        json.dumps(body),
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


def test_under_consume_with_no_grace_leaving_ends_the_attempt(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.CONSUME)
    Exam.objects.filter(pk=personas.formal.pk).update(leave_grace_seconds=0)
    body = report(carol_client, carol_attempt, "hidden").json()
    assert body["action"] == "consumed"
    assert body["result_url"] == f"/exam/attempts/{carol_attempt.pk}/result/"
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.SUBMITTED
    assert AuditEntry.objects.get(action="attempt.submitted").data["reason"] == "left_page"


def test_under_consume_a_single_blur_ends_nothing(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.CONSUME)
    body = report(carol_client, carol_attempt, "blur").json()
    assert body["action"] == "pending"
    assert "5 秒" in body["message"]  # the default language is Chinese
    assert report(carol_client, carol_attempt, "returned").json()["action"] == "logged"
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING
    assert AttemptEvent.objects.get(kind="blur").action == "returned_in_time"
    # The grace's check, when it comes, finds the leave over.
    assert not services.consume_if_still_away(AttemptEvent.objects.get(kind="blur").pk)
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING


def test_under_consume_a_leave_past_the_grace_ends_the_attempt_on_return(
    personas: Personas, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.CONSUME)
    left = timezone.now()
    attempt = Attempt.objects.select_related("registration__exam").get(pk=carol_attempt.pk)
    assert services.record_event(attempt, "hidden", now=left)[0] == "pending"
    action, attempt = services.record_event(attempt, "returned", now=left + dt.timedelta(seconds=6))
    assert action == "consumed"
    assert attempt.status == AttemptStatus.SUBMITTED
    assert AuditEntry.objects.get(action="attempt.submitted").data["reason"] == "left_page"


def test_under_consume_a_leave_with_no_return_ends_the_attempt_once_the_grace_is_over(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.CONSUME)
    report(carol_client, carol_attempt, "hidden")
    event = AttemptEvent.objects.get(kind="hidden")
    assert not services.consume_if_still_away(event.pk)  # too early
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING

    later = event.at + dt.timedelta(seconds=5)
    assert services.consume_if_still_away(event.pk, now=later)
    assert not services.consume_if_still_away(event.pk, now=later)  # once only
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.SUBMITTED
    # Coming back afterwards, the page learns that the attempt has ended.
    back = report(carol_client, carol_attempt, "returned").json()
    assert back["action"] == "consumed" and back["result_url"]


def test_events_queued_offline_count_by_the_pages_own_times(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.CONSUME)
    left = timezone.now() - dt.timedelta(seconds=40)
    report(carol_client, carol_attempt, "hidden", client_at=left)
    back = report(
        carol_client, carol_attempt, "returned", client_at=left + dt.timedelta(seconds=30)
    )
    assert back.json()["action"] == "consumed"
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.SUBMITTED


def test_a_leave_reaches_the_console_with_an_alert_per_policy(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    set_policy(personas, Exam.LeavePolicy.LOG)
    report(carol_client, carol_attempt, "fullscreen_exit")
    assert not Alert.objects.exists()
    tile = summaries.summarise(
        summaries.with_progress(Attempt.objects.filter(pk=carol_attempt.pk)).get()
    )
    assert (tile["leaves"], tile["last_leave"]) == (1, "fullscreen_exit")

    set_policy(personas, Exam.LeavePolicy.WARN)
    report(carol_client, carol_attempt, "hidden")
    alert = Alert.objects.get(kind=AlertKind.LEFT_PAGE)
    assert alert.status == "open" and alert.detail == {"event": "hidden", "outcome": "warned"}
    report(carol_client, carol_attempt, "returned")
    alert.refresh_from_db()
    assert alert.status == "closed"


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


def test_a_leave_whose_own_check_was_lost_is_settled_by_the_time_out_job(
    personas: Personas, carol_client: Client, carol_attempt: Attempt, settings
) -> None:
    """The check queued for a leave can be lost (the broker away, its worker killed while it
    held the task): the time-out job ends the attempt once the check is overdue, not before."""
    from exams import tasks

    set_policy(personas, Exam.LeavePolicy.CONSUME)
    Exam.objects.filter(pk=personas.formal.pk).update(leave_grace_seconds=5)
    report(carol_client, carol_attempt, "hidden")  # its check is never run here
    event = AttemptEvent.objects.get(kind="hidden")
    due = event.at + dt.timedelta(seconds=5 + settings.EXAM_REGRADE_AFTER_SECONDS)
    assert services.overdue_leave_checks(now=due - dt.timedelta(seconds=1)) == []
    assert services.overdue_leave_checks(now=due + dt.timedelta(seconds=1)) == [event.pk]
    AttemptEvent.objects.filter(pk=event.pk).update(at=event.at - (due - event.at))
    assert tasks.submit_expired_attempts.apply().get() == 1
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.SUBMITTED
    assert services.overdue_leave_checks() == []  # settled once
