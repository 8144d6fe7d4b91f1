"""The attempt inspector and its audited repairs (R-EMG-4): staff of the candidate's site (or
the organisation) see the saved answers, events and audit log, and repair with a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from exams import repairs, services
from exams.models import Answer, Attempt
from tests.personas import Personas


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def question_ids(attempt: Attempt) -> list[int]:
    return attempt.question_ids()


def repair_actions(attempt: Attempt) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            target_type="exams.attempt",
            target_id=str(attempt.pk),
            action__startswith="attempt.repair",
        ).values_list("action", flat=True)
    )


def test_the_sites_administrator_sees_answers_events_and_the_audit_log(
    personas: Personas, carol_attempt: Attempt
) -> None:
    first = question_ids(carol_attempt)[0]
    services.save_answer(carol_attempt.pk, first, "B", 1)
    services.record_event(carol_attempt, "hidden")
    response = staff_client(personas.sam).get(f"/support/attempts/{carol_attempt.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Carol" in page and "attempt.answering" in page and "#1" in page
    listing = (
        staff_client(personas.sam)
        .post("/support/attempts/", {"search": "1", "q": "Carol"}, follow=True)
        .content.decode()
    )
    assert f"/support/attempts/{carol_attempt.pk}/" in listing


@pytest.mark.parametrize("who, status", [("olga", 404), ("paula", 403), ("ingrid", 403)])
def test_staff_of_another_site_and_proctors_cannot_inspect_or_repair(
    personas: Personas, carol_attempt: Attempt, who: str, status: int
) -> None:
    client = staff_client(getattr(personas, who))
    assert client.get(f"/support/attempts/{carol_attempt.pk}/").status_code == status
    response = client.post(
        f"/support/attempts/{carol_attempt.pk}/repair/", {"action": "submit", "reason": "x"}
    )
    assert response.status_code == status
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == "answering"


def test_a_stuck_paper_is_submitted_on_the_candidates_behalf_with_the_reason_audited(
    personas: Personas, carol_attempt: Attempt, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client(personas.sam).post(
            f"/support/attempts/{carol_attempt.pk}/repair/",
            {"action": "submit", "reason": "提交按钮无响应，考生来电"},
        )
    assert response.status_code == 302
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == "submitted"
    entry = AuditEntry.objects.get(action="attempt.repair.submitted")
    assert entry.actor == personas.sam and entry.data["reason"] == "提交按钮无响应，考生来电"
    assert AuditEntry.objects.get(action="attempt.submitted").data["reason"] == "support"
    assert callbacks  # grading and the console event were queued after the commit


def test_a_repair_without_a_reason_changes_nothing(
    personas: Personas, carol_attempt: Attempt
) -> None:
    with pytest.raises(repairs.RepairRefused):
        repairs.submit_for_candidate(carol_attempt, actor=personas.sam, reason="   ")
    response = staff_client(personas.sam).post(
        f"/support/attempts/{carol_attempt.pk}/repair/", {"action": "submit", "reason": ""}
    )
    assert response.status_code == 302
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == "answering"
    assert repair_actions(carol_attempt) == []


def test_grading_of_a_paper_stuck_after_submission_is_queued_again(
    personas: Personas, carol_attempt: Attempt, django_capture_on_commit_callbacks
) -> None:
    services.save_answer(carol_attempt.pk, question_ids(carol_attempt)[0], "B", 1)
    Attempt.objects.filter(pk=carol_attempt.pk).update(status="submitted")
    carol_attempt.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        repairs.requeue_grading(carol_attempt, actor=personas.sam, reason="成绩一直未出")
    assert repair_actions(carol_attempt) == ["attempt.repair.grading_requeued"]
    assert len(callbacks) == 1
    # What the queued task runs: the paper is graded.
    services.grade(carol_attempt.pk)
    carol_attempt.refresh_from_db()
    assert carol_attempt.status == "graded" and carol_attempt.score == 1


def test_correcting_a_lost_answer_rescores_a_graded_paper_and_keeps_the_old_answer_in_the_log(
    personas: Personas, carol_attempt: Attempt
) -> None:
    first, second, _third = question_ids(carol_attempt)
    services.save_answer(carol_attempt.pk, first, "B", 1)
    services.submit(carol_attempt)
    services.grade(carol_attempt.pk)
    carol_attempt.refresh_from_db()
    assert carol_attempt.score == 1

    response = staff_client(personas.sam).post(
        f"/support/attempts/{carol_attempt.pk}/repair/",
        {"action": "correct", "question": second, "response": "a", "reason": "截图显示已作答"},
    )
    assert response.status_code == 302
    carol_attempt.refresh_from_db()
    assert carol_attempt.score == 3
    assert Answer.objects.get(attempt=carol_attempt, question_id=second).response == "A"
    entry = AuditEntry.objects.get(action="attempt.repair.answer_corrected")
    assert entry.data["old_response"] is None and entry.data["new_response"] == "A"
    assert (entry.data["old_score"], entry.data["new_score"]) == (1, 3)


def test_answers_of_a_paper_still_being_answered_or_off_the_paper_cannot_be_corrected(
    personas: Personas, carol_attempt: Attempt
) -> None:
    first = question_ids(carol_attempt)[0]
    with pytest.raises(repairs.RepairRefused):
        repairs.correct_answer(carol_attempt, first, "B", actor=personas.sam, reason="r")
    services.submit(carol_attempt)
    carol_attempt.refresh_from_db()
    with pytest.raises(repairs.RepairRefused):
        repairs.correct_answer(carol_attempt, 999_999, "B", actor=personas.sam, reason="r")
    with pytest.raises(repairs.RepairRefused):
        repairs.correct_answer(carol_attempt, first, "Z", actor=personas.sam, reason="r")
    assert not Answer.objects.filter(attempt=carol_attempt).exists()
    assert repair_actions(carol_attempt) == []
