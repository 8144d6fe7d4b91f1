"""Submission happens exactly once; grading follows as a task; time-outs submit by themselves."""

from __future__ import annotations

import datetime as dt
import functools
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams import services, tasks
from exams.models import Answer, Attempt, Registration
from exams.statuses import AttemptStatus
from tests.personas import Personas, answering


def answer_all(attempt: Attempt, responses: dict[int, str]) -> None:
    """Answer by position on the candidate's paper (1-based)."""
    for position, item in enumerate(attempt.paper, start=1):
        if position in responses:
            services.save_answer(attempt.pk, int(item["question"]), responses[position], 1)


def test_submitting_twice_through_the_api_submits_once(
    carol_client: Client, carol_attempt: Attempt, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        first = carol_client.post(f"/api/exam/attempts/{carol_attempt.pk}/submit")
        second = carol_client.post(f"/api/exam/attempts/{carol_attempt.pk}/submit")
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "submitted"
    assert (
        AuditEntry.objects.filter(
            action="attempt.submitted", target_id=str(carol_attempt.pk)
        ).count()
        == 1
    )
    # One grading task for the one submission (console events are coalesced per transaction).
    assert sum(isinstance(callback, functools.partial) for callback in callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submits_make_one_submission(personas: Personas) -> None:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = answering(registration)

    def submit_once(_: int) -> str:
        try:
            mine = Attempt.objects.get(pk=attempt.pk)
            return services.submit(mine).status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(submit_once, range(50)))
    assert set(outcomes) <= {"submitted", "graded"}
    assert (
        AuditEntry.objects.filter(action="attempt.submitted", target_id=str(attempt.pk)).count()
        == 1
    )
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None


def test_grading_scores_the_objective_questions(carol_attempt: Attempt) -> None:
    answer_all(carol_attempt, {1: "B", 2: "D", 3: "C"})  # right, wrong, right (points 1, 2, 3)
    services.submit(carol_attempt)
    tasks.grade_attempt.apply(args=(carol_attempt.pk,))
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.GRADED
    assert (carol_attempt.score, carol_attempt.max_score) == (4, 6)


def test_grading_twice_changes_nothing(carol_attempt: Attempt) -> None:
    answer_all(carol_attempt, {1: "B"})
    services.submit(carol_attempt)
    services.grade(carol_attempt.pk)
    Answer.objects.filter(attempt=carol_attempt).update(response="A")  # would score 0 if re-graded
    services.grade(carol_attempt.pk)
    carol_attempt.refresh_from_db()
    assert carol_attempt.score == 1
    assert AuditEntry.objects.filter(action="attempt.graded").count() == 1


def test_grading_a_vanished_attempt_does_nothing(db: None) -> None:
    assert tasks.grade_attempt.apply(args=(987654,)).successful()


def test_grading_leaves_an_attempt_still_being_answered_alone(carol_attempt: Attempt) -> None:
    services.grade(carol_attempt.pk)
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING


def test_the_time_out_job_submits_at_the_deadline(carol_attempt: Attempt, settings) -> None:
    settings.EXAM_SAVE_GRACE_SECONDS = 30
    deadline = timezone.now() - dt.timedelta(seconds=31)
    Attempt.objects.filter(pk=carol_attempt.pk).update(deadline=deadline)
    assert tasks.submit_expired_attempts.apply().get() == 1
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.SUBMITTED
    assert carol_attempt.submitted_at == deadline  # the finish time is the deadline, not the job's
    entry = AuditEntry.objects.get(action="attempt.submitted")
    assert entry.actor is None and entry.data["reason"] == "time_over"


def test_the_time_out_job_waits_for_the_grace_period(carol_attempt: Attempt, settings) -> None:
    settings.EXAM_SAVE_GRACE_SECONDS = 30
    Attempt.objects.filter(pk=carol_attempt.pk).update(
        deadline=timezone.now() - dt.timedelta(seconds=5)
    )
    assert services.submit_expired() == 0
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.ANSWERING


def test_the_deadline_never_passes_the_exams_closing_time(personas: Personas) -> None:
    personas.formal.closes_at = timezone.now() + dt.timedelta(minutes=20)
    personas.formal.save()
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = answering(registration)
    assert attempt.deadline == personas.formal.closes_at


def test_the_exam_page_resumes_the_same_attempt(carol_client: Client) -> None:
    carol_client.get("/exam/")
    carol_client.get("/exam/")
    assert Attempt.objects.count() == 1
    assert carol_client.get("/exam/")["Location"] == "/exam/info/"


def test_after_submission_the_exam_page_shows_the_result(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    services.submit(carol_attempt)
    response = carol_client.get("/exam/")
    assert response.status_code == 302
    assert response["Location"] == f"/exam/attempts/{carol_attempt.pk}/result/"
    assert carol_client.get(response["Location"]).status_code == 200


def test_another_candidate_cannot_see_my_result(personas: Personas, carol_attempt: Attempt) -> None:
    from tests.conftest import candidate_client

    services.submit(carol_attempt)
    dave = candidate_client(personas, "dave")
    assert dave.get(f"/exam/attempts/{carol_attempt.pk}/result/").status_code == 404


def test_papers_left_ungraded_are_queued_again(carol_attempt: Attempt) -> None:
    services.submit(carol_attempt, now=timezone.now() - dt.timedelta(minutes=6))
    Attempt.objects.filter(pk=carol_attempt.pk).update(
        submitted_at=timezone.now() - dt.timedelta(minutes=6)
    )
    assert services.stuck_in_grading() == [carol_attempt.pk]
    services.grade(carol_attempt.pk)
    assert services.stuck_in_grading() == []
