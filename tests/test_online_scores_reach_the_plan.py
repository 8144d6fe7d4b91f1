"""A graded online attempt puts its score into the plan (the attempt the exam counts, scaled to
100, passed by the plan's pass mark) without anyone typing it; it is seen by the site and the
public query only once the publication window opens, and the export carries it."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from openpyxl import load_workbook

from certification import online, scores
from certification.models import Enrolment, ExamSession, Score, Seat
from exams import services
from exams.models import Attempt, Exam, Registration
from tests import certification_world
from tests.personas import PASSWORD, answering

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def online_plan(personas: Personas):
    """Carol is registered in a plan whose only session is taken in the personas' formal exam
    (open now); the plan's exam window is open."""
    world = certification_world.build(personas)
    plan = certification_world.plan(world, "exam")
    plan.pass_mark = 60
    plan.save()
    session = ExamSession.objects.create(
        plan=plan,
        name="线上场",
        starts_at=personas.formal.opens_at - dt.timedelta(hours=1),
        ends_at=personas.formal.closes_at + dt.timedelta(hours=1),
    )
    online.link_exam(session, personas.formal, actor=None)
    enrolment = Enrolment.objects.create(plan=plan, candidate=personas.carol, site=personas.site)
    Seat.objects.create(enrolment=enrolment, session=session, room=personas.room_a, number=1)
    report = online.register_plan(plan, actor=None)
    assert report.problems == []
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    return plan, enrolment, registration


def finish(attempt: Attempt, answers: dict[int, str]) -> Attempt:
    for position, item in enumerate(attempt.paper, start=1):
        if position in answers:
            services.save_answer(attempt.pk, int(item["question"]), answers[position], 1)
    services.submit(attempt, reason="candidate")
    services.grade(attempt.pk)
    attempt.refresh_from_db()
    return attempt


def client_of(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_a_graded_attempt_is_the_plan_score_and_shows_after_publication(online_plan, personas):
    plan, enrolment, registration = online_plan
    attempt = finish(answering(registration), {1: "B", 3: "C"})  # 4 of 6 points
    score = Score.objects.get(enrolment=enrolment)
    assert (str(score.value), score.passed, score.source, score.attempt_id) == (
        "66.7",
        True,
        Score.Source.ONLINE,
        attempt.pk,
    )

    # Not published yet: the site does not see it, nor does the public query.
    page = client_of("sam").get(f"/cert/plans/{plan.pk}/").content.decode()
    assert "66.7" not in page
    assert scores.public_query(personas.carol.id_number, "Carol") == []

    certification_world.set_phase(plan, "score_entry")
    # Typing it again is refused: the score is the paper's.
    with pytest.raises(scores.ScoreRefused):
        scores.enter(enrolment, "90", actor=personas.oscar)
    assert client_of("oscar").post(f"/cert/plans/{plan.pk}/scores/collect/").status_code == 302
    assert str(Score.objects.get(enrolment=enrolment).value) == "66.7"

    certification_world.set_phase(plan, "publication")
    page = client_of("sam").get(f"/cert/plans/{plan.pk}/").content.decode()
    assert "66.7" in page
    (result,) = scores.public_query(personas.carol.id_number, "Carol")
    assert (str(result.score), result.passed) == ("66.7", True)

    export = client_of("sam").get(f"/cert/plans/{plan.pk}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    carol = next(r for r in rows if r[0] == "Carol")
    assert 66.7 in carol and personas.formal.title in carol and "4/6" in carol


def test_the_exam_decides_which_attempt_counts(online_plan, personas):
    _plan, enrolment, registration = online_plan
    Exam.objects.filter(pk=personas.formal.pk).update(
        max_attempts=2, counted_attempt=Exam.CountedAttempt.LAST
    )
    registration.refresh_from_db()
    finish(answering(registration), {1: "B", 2: "A", 3: "C"})  # 6 of 6
    assert str(Score.objects.get(enrolment=enrolment).value) == "100.0"
    second = services.open_attempt(registration)
    services.confirm_information(second)
    services.answer_commitment(second, accepted=True, text="x")
    finish(Attempt.objects.get(pk=second.pk), {1: "B"})  # 1 of 6: the last counts
    score = Score.objects.get(enrolment=enrolment)
    assert (str(score.value), score.passed) == ("16.7", False)


def test_after_score_entry_a_late_grade_changes_nothing(online_plan, personas):
    plan, enrolment, registration = online_plan
    attempt = answering(registration)
    certification_world.set_phase(plan, "publication")
    finish(attempt, {1: "B", 2: "A", 3: "C"})
    assert not Score.objects.filter(enrolment=enrolment).exists()
