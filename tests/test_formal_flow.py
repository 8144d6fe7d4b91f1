"""The formal flow (R-EXAM-4): sign in → information → commitment letter → (identity) →
(second view) → waiting room → answering → result, one page per step, no going back or
skipping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams.models import Attempt, CommitmentSignature, Exam
from exams.statuses import AttemptStatus
from tests.personas import Personas

PAGES = [
    "/exam/info/",
    "/exam/commitment/",
    "/exam/identity/",
    "/exam/second-view/",
    "/exam/waiting/",
    "/exam/answer/",
]


def test_the_candidate_walks_the_steps_in_order(personas: Personas, carol_client: Client) -> None:
    assert carol_client.get("/exam/")["Location"] == "/exam/info/"
    info = carol_client.get("/exam/info/").content.decode()
    assert "Carol" in info and "1101**" in info and "Room A" in info
    assert carol_client.post("/exam/info/")["Location"] == "/exam/commitment/"
    letter = carol_client.get("/exam/commitment/")
    assert "承诺" in letter.content.decode()
    assert (
        carol_client.post("/exam/commitment/", {"decision": "accept"})["Location"]
        == "/exam/answer/"
    )
    assert carol_client.get("/exam/answer/").status_code == 200
    attempt = Attempt.objects.get()
    assert attempt.status == AttemptStatus.ANSWERING
    assert [item["question"] for item in attempt.paper]  # the paper is drawn when answering starts
    assert attempt.deadline is not None and attempt.info_confirmed_at is not None


@pytest.mark.parametrize("page", PAGES[1:])
def test_later_steps_cannot_be_reached_early(
    personas: Personas, carol_client: Client, page: str
) -> None:
    carol_client.get("/exam/")
    assert carol_client.get(page)["Location"] == "/exam/info/"
    assert carol_client.post(page, {"decision": "accept"})["Location"] == "/exam/info/"
    assert Attempt.objects.get().status == AttemptStatus.SIGNED_IN


def test_earlier_steps_cannot_be_taken_again(personas: Personas, carol_client: Client) -> None:
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    carol_client.post("/exam/commitment/", {"decision": "accept"})
    assert carol_client.post("/exam/info/")["Location"] == "/exam/answer/"
    assert (
        carol_client.post("/exam/commitment/", {"decision": "decline"})["Location"]
        == "/exam/answer/"
    )
    assert Attempt.objects.get().status == AttemptStatus.ANSWERING


def test_the_signed_letter_and_its_time_are_kept(personas: Personas, carol_client: Client) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(commitment_text="我承诺诚信考试。")
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    carol_client.post("/exam/commitment/", {"decision": "accept"})
    signature = CommitmentSignature.objects.get()
    assert signature.text == "我承诺诚信考试。"
    assert abs((timezone.now() - signature.signed_at).total_seconds()) < 60
    assert signature.ip == "127.0.0.1"


def test_declining_the_letter_ends_the_attempt_and_signs_out(
    personas: Personas, carol_client: Client
) -> None:
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    response = carol_client.post("/exam/commitment/", {"decision": "decline"})
    assert response.status_code == 200
    assert Attempt.objects.get().status == AttemptStatus.DECLINED
    assert not CommitmentSignature.objects.exists()
    assert "_auth_user_id" not in carol_client.session
    assert AuditEntry.objects.filter(action="attempt.declined").count() == 1


def test_a_decision_must_be_made(personas: Personas, carol_client: Client) -> None:
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    assert (
        carol_client.post("/exam/commitment/", {"decision": "maybe"})["Location"]
        == "/exam/commitment/"
    )
    assert Attempt.objects.get().status == AttemptStatus.INFO_CONFIRMED


def test_an_exam_that_requires_the_identity_check_stops_there(
    personas: Personas, carol_client: Client
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(requires_identity=True)
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    assert (
        carol_client.post("/exam/commitment/", {"decision": "accept"})["Location"]
        == "/exam/identity/"
    )
    assert carol_client.get("/exam/answer/")["Location"] == "/exam/identity/"
    # Nothing of the face is processed before the consent step has been answered.
    assert carol_client.get("/exam/identity/")["Location"] == "/vision/identity/consent/"
    carol_client.post("/vision/identity/consent/", {"choice": "automatic"})
    assert carol_client.get("/exam/identity/").status_code == 200
    # Claiming to have been checked is not enough: the vision records must say so.
    assert carol_client.post("/exam/identity/")["Location"] == "/exam/identity/"
    assert Attempt.objects.get().status == AttemptStatus.COMMITMENT_SIGNED


def test_an_exam_that_requires_the_second_view_waits_for_it(
    personas: Personas, carol_client: Client
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    assert (
        carol_client.post("/exam/commitment/", {"decision": "accept"})["Location"]
        == "/exam/second-view/"
    )
    assert carol_client.get("/exam/answer/")["Location"] == "/exam/second-view/"
    from exams import services

    services.second_view_connected(Attempt.objects.get())  # what the media process calls
    assert carol_client.get("/exam/second-view/")["Location"] == "/exam/answer/"


def test_the_waiting_room_opens_the_paper_when_the_exam_starts(
    personas: Personas, carol_client: Client
) -> None:
    opens = timezone.now() + dt.timedelta(minutes=10)
    Exam.objects.filter(pk=personas.formal.pk).update(opens_at=opens)
    carol_client.get("/exam/")
    carol_client.post("/exam/info/")
    assert (
        carol_client.post("/exam/commitment/", {"decision": "accept"})["Location"]
        == "/exam/waiting/"
    )
    assert Attempt.objects.get().status == AttemptStatus.WAITING
    Exam.objects.filter(pk=personas.formal.pk).update(
        opens_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert carol_client.get("/exam/waiting/")["Location"] == "/exam/answer/"
    attempt = Attempt.objects.get()
    assert attempt.status == AttemptStatus.ANSWERING
    assert attempt.started_at is not None


def test_the_result_page_is_the_end_of_the_flow(
    personas: Personas, carol_client: Client, carol_attempt: Attempt
) -> None:
    carol_client.post(f"/api/exam/attempts/{carol_attempt.pk}/submit")
    for page in PAGES:
        assert carol_client.get(page)["Location"] == f"/exam/attempts/{carol_attempt.pk}/result/"
