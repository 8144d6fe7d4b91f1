"""Written answers are marked by examiners (R-EXAM-8): a paper with a short answer waits in
``marking`` after the automatic grading of its objective questions, and a marker finishes it."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, PaperItem, Registration
from exams.statuses import AttemptStatus
from questionbank.models import Question
from tests.personas import Personas, answering


@pytest.fixture
def written(personas: Personas) -> Question:
    question = Question.objects.create(
        subject=personas.formal.subject,
        kind=Question.Kind.SHORT_ANSWER,
        text="简述触电急救的步骤。",
        answer="先断电，再施救。",
        points=5,
    )
    PaperItem.objects.create(exam=personas.formal, question=question, position=4)
    return question


@pytest.fixture
def marking_attempt(personas: Personas, written: Question) -> Attempt:
    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    services.save_answer(attempt.pk, int(attempt.paper[0]["question"]), "B", 1)  # right: 1 point
    services.save_answer(attempt.pk, written.pk, "立即切断电源，然后进行心肺复苏。", 1)
    services.submit(attempt)
    services.grade(attempt.pk)
    attempt.refresh_from_db()
    return attempt


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_paper_with_a_written_answer_waits_for_a_marker(marking_attempt: Attempt) -> None:
    assert marking_attempt.status == AttemptStatus.MARKING
    assert marking_attempt.score is None


def test_the_marker_finishes_grading(
    personas: Personas, marking_attempt: Attempt, written: Question
) -> None:
    sam = staff_client(personas.sam)
    queue = sam.get("/exam/marking/").content.decode()
    assert "Carol" in queue
    form = sam.get(f"/exam/marking/{marking_attempt.pk}/").content.decode()
    assert "立即切断电源" in form
    response = sam.post(f"/exam/marking/{marking_attempt.pk}/", {f"q{written.pk}": "4"})
    assert response.status_code == 302
    marking_attempt.refresh_from_db()
    assert marking_attempt.status == AttemptStatus.GRADED
    assert (marking_attempt.score, marking_attempt.max_score) == (5, 11)
    entry = AuditEntry.objects.get(action="attempt.marked")
    assert entry.actor == personas.sam and entry.data["marks"] == {str(written.pk): 4}


@pytest.mark.parametrize("value", ["6", "-1", "four", ""])
def test_points_out_of_range_are_refused(
    personas: Personas, marking_attempt: Attempt, written: Question, value: str
) -> None:
    response = staff_client(personas.sam).post(
        f"/exam/marking/{marking_attempt.pk}/", {f"q{written.pk}": value}
    )
    assert response.status_code == 200
    marking_attempt.refresh_from_db()
    assert marking_attempt.status == AttemptStatus.MARKING


def test_marking_twice_is_refused(
    personas: Personas, marking_attempt: Attempt, written: Question
) -> None:
    services.mark(marking_attempt, {written.pk: 3}, marker=personas.sam)
    with pytest.raises(services.FlowRefused):
        services.mark(
            Attempt.objects.get(pk=marking_attempt.pk), {written.pk: 5}, marker=personas.oscar
        )
    marking_attempt.refresh_from_db()
    assert marking_attempt.score == 4


def test_only_staff_who_may_see_the_room_mark(personas: Personas, marking_attempt: Attempt) -> None:
    assert (
        staff_client(personas.olga).get(f"/exam/marking/{marking_attempt.pk}/").status_code == 404
    )
    assert staff_client(personas.paula).get("/exam/marking/").status_code == 403
    assert (
        staff_client(personas.oscar).get(f"/exam/marking/{marking_attempt.pk}/").status_code == 200
    )


def test_an_unanswered_written_question_scores_zero_without_a_marker(
    personas: Personas, written: Question
) -> None:
    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    services.submit(attempt)
    services.grade(attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 0


def test_the_candidate_is_told_marking_is_under_way(
    personas: Personas, carol_client: Client, marking_attempt: Attempt
) -> None:
    page = carol_client.get(f"/exam/attempts/{marking_attempt.pk}/result/").content.decode()
    assert 'data-status="marking"' in page
