"""Attempts and scores (R-EXAM-5, R-EXAM-8): the exam's allowance of attempts, the best score
counts, the trial's minimum answering time, and when scores are shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from exams import services
from exams.models import Attempt, Exam, Registration
from exams.statuses import AttemptStatus
from tests.personas import Personas, answering


def finish(attempt: Attempt, responses: dict[int, str]) -> Attempt:
    for position, item in enumerate(attempt.paper, start=1):
        if position in responses:
            services.save_answer(attempt.pk, int(item["question"]), responses[position], 1)
    services.submit(attempt, reason="candidate")
    services.grade(attempt.pk)
    attempt.refresh_from_db()
    return attempt


def test_a_second_attempt_is_offered_and_the_best_score_counts(
    personas: Personas, carol_client: Client
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(max_attempts=2)
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    first = finish(answering(registration), {1: "B", 2: "A", 3: "C"})  # 6 of 6
    page = carol_client.get(f"/exam/attempts/{first.pk}/result/").content.decode()
    assert 'action="/exam/retake/"' in page
    assert carol_client.post("/exam/retake/")["Location"] == "/exam/info/"
    second = Attempt.objects.get(registration=registration, number=2)
    assert second.status == AttemptStatus.SIGNED_IN
    services.confirm_information(second)
    services.answer_commitment(second, accepted=True, text="x")
    second = finish(Attempt.objects.get(pk=second.pk), {1: "B"})  # 1 of 6
    assert services.best_attempt(registration) == first
    assert services.attempts_left(registration) == 0
    assert carol_client.post("/exam/retake/").status_code == 302
    assert Attempt.objects.filter(registration=registration).count() == 2


def test_no_attempt_is_opened_beyond_the_allowance(personas: Personas) -> None:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    finish(answering(registration), {})
    with pytest.raises(services.FlowRefused):
        services.open_attempt(registration)
    assert Attempt.objects.filter(registration=registration).count() == 1


def test_a_granted_make_up_attempt_can_be_used(personas: Personas) -> None:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    finish(answering(registration), {})
    Registration.objects.filter(pk=registration.pk).update(extra_attempts=1)
    registration.refresh_from_db()
    assert services.open_attempt(registration).number == 2


def test_the_trial_cannot_be_submitted_before_its_minimum_answering_time(
    personas: Personas,
) -> None:
    Exam.objects.filter(pk=personas.trial.pk).update(min_answer_minutes=30)
    registration = Registration.objects.get(exam=personas.trial, candidate=personas.carol)
    attempt = answering(registration)
    client = Client()
    client.force_login(personas.carol.user, backend="accounts.backends.CandidateSessionBackend")
    response = client.post(f"/api/exam/attempts/{attempt.pk}/submit")
    assert response.status_code == 409
    assert response.json()["code"] == "too_early"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ANSWERING
    assert attempt.started_at is not None
    later = attempt.started_at + dt.timedelta(minutes=30, seconds=1)
    assert services.submit(attempt, now=later).status == AttemptStatus.SUBMITTED


def test_time_running_out_submits_even_before_the_minimum_time(personas: Personas) -> None:
    Exam.objects.filter(pk=personas.trial.pk).update(min_answer_minutes=30)
    attempt = answering(Registration.objects.get(exam=personas.trial, candidate=personas.carol))
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    assert services.submit_expired() == 1


def test_scores_follow_the_exams_policy(personas: Personas, carol_client: Client) -> None:
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = finish(answering(registration), {1: "B"})
    result = f"/exam/attempts/{attempt.pk}/result/"
    assert 'class="score"' in carol_client.get(result).content.decode()
    Exam.objects.filter(pk=personas.formal.pk).update(score_policy=Exam.ScorePolicy.HIDDEN)
    assert 'class="score"' not in carol_client.get(result).content.decode()
    Exam.objects.filter(pk=personas.formal.pk).update(score_policy=Exam.ScorePolicy.AFTER_CLOSE)
    assert 'class="score"' not in carol_client.get(result).content.decode()
    Exam.objects.filter(pk=personas.formal.pk).update(
        closes_at=timezone.now() - dt.timedelta(seconds=1),
        opens_at=timezone.now() - dt.timedelta(hours=2),
    )
    assert 'class="score"' in carol_client.get(result).content.decode()
