"""The server's rule for answers across the deadline: until deadline + grace an answer is stored
while the attempt is answering, and also when it was submitted once time had run out (by the
time-out or inside the grace) and is not graded yet; grading of such a paper waits for the grace
to end; the time-out never closes an attempt before deadline + grace; after the grace a save is
refused with ``time_over``."""

from __future__ import annotations

import datetime as dt
import functools
import json
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from exams import services, tasks
from exams.models import Answer, Attempt
from exams.statuses import AttemptStatus

GRACE = 30


@pytest.fixture(autouse=True)
def grace(settings) -> None:
    settings.EXAM_SAVE_GRACE_SECONDS = GRACE


def put(client: Client, attempt: Attempt, position: int, response: object, seq: int = 1):
    question = attempt.paper[position]["question"]
    return client.put(
        f"/api/exam/attempts/{attempt.pk}/answers/{question}",
        json.dumps({"response": response, "seq": seq}),
        content_type="application/json",
    )


def past_deadline(attempt: Attempt, seconds: float) -> dt.datetime:
    """Move the attempt's deadline ``seconds`` into the past; returns the deadline."""
    deadline = timezone.now() - dt.timedelta(seconds=seconds)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline)
    attempt.refresh_from_db()
    return deadline


def test_the_page_learns_the_grace_period(carol_client: Client, carol_attempt: Attempt) -> None:
    state = carol_client.get(f"/api/exam/attempts/{carol_attempt.pk}").json()
    assert state["grace_seconds"] == GRACE


def test_an_answer_arriving_after_a_submission_inside_the_grace_is_stored(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    deadline = past_deadline(carol_attempt, 5)
    services.submit(carol_attempt, reason="time_over")  # e.g. from another tab, in the grace
    carol_attempt.refresh_from_db()
    assert carol_attempt.submitted_at == deadline
    response = put(carol_client, carol_attempt, 0, "B")
    assert response.status_code == 200
    assert Answer.objects.get(attempt=carol_attempt).response == "B"


def test_after_the_grace_the_same_save_is_refused_as_time_over(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    past_deadline(carol_attempt, 5)
    services.submit(carol_attempt, reason="time_over")
    past_deadline(carol_attempt, GRACE + 1)
    response = put(carol_client, carol_attempt, 0, "B")
    assert response.status_code == 409
    assert response.json()["code"] == "time_over"
    assert not Answer.objects.exists()


def test_a_paper_submitted_before_its_deadline_takes_no_more_answers(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    services.submit(carol_attempt)
    response = put(carol_client, carol_attempt, 0, "B")
    assert response.status_code == 409
    assert response.json()["code"] == "finished"


def test_a_graded_paper_takes_no_more_answers_even_inside_the_grace(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    past_deadline(carol_attempt, 5)
    services.submit(carol_attempt, reason="time_over")
    services.grade(carol_attempt.pk)
    response = put(carol_client, carol_attempt, 0, "B")
    assert response.status_code == 409
    assert response.json()["code"] == "finished"


def test_grading_of_a_paper_submitted_inside_the_grace_waits_for_its_end(
    carol_attempt: Attempt, django_capture_on_commit_callbacks
) -> None:
    deadline = past_deadline(carol_attempt, 5)
    with (
        mock.patch.object(tasks.grade_attempt, "apply_async") as later,
        mock.patch.object(tasks.grade_attempt, "delay") as now,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        services.submit(carol_attempt, reason="candidate")
    assert sum(isinstance(callback, functools.partial) for callback in callbacks) == 1
    now.assert_not_called()
    later.assert_called_once_with((carol_attempt.pk,), eta=deadline + dt.timedelta(seconds=GRACE))


def test_grading_of_a_paper_submitted_in_time_starts_at_once(
    carol_attempt: Attempt, django_capture_on_commit_callbacks
) -> None:
    with (
        mock.patch.object(tasks.grade_attempt, "apply_async") as later,
        mock.patch.object(tasks.grade_attempt, "delay") as now,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.submit(carol_attempt)
    now.assert_called_once_with(carol_attempt.pk)
    later.assert_not_called()


def test_an_answer_saved_in_the_grace_counts_in_the_score(
    carol_client: Client, carol_attempt: Attempt
) -> None:
    past_deadline(carol_attempt, 5)
    services.submit(carol_attempt, reason="time_over")
    assert put(carol_client, carol_attempt, 2, "C").status_code == 200  # right: 3 points
    services.grade(carol_attempt.pk)
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.GRADED
    assert carol_attempt.score == 3


def test_the_time_out_never_closes_an_attempt_inside_the_grace(carol_attempt: Attempt) -> None:
    past_deadline(carol_attempt, GRACE - 1)
    assert services.submit_expired() == 0
    past_deadline(carol_attempt, GRACE + 1)
    assert services.submit_expired() == 1
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == AttemptStatus.SUBMITTED
