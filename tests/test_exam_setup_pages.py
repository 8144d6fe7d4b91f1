"""Exams set up through the staff's pages: each kind created, bad input refused with a message
and nothing written, the edit rule once candidates have started, who may do it, and candidates
of a created exam taking it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from exams import services
from exams.models import Attempt, Exam, Registration
from exams.statuses import AttemptStatus
from questionbank.models import Question, Subject
from tests import exam_setup_helpers as setup
from tests.conftest import candidate_client
from tests.personas import Personas, register


@pytest.fixture
def subject(personas: Personas) -> Subject:
    return Subject.objects.get(code="SAFE")


@pytest.fixture
def oscar(personas: Personas) -> Client:
    return setup.signed_in("oscar")


def test_the_exam_list_is_in_the_navigation_of_the_organisation_only(
    personas: Personas, oscar: Client
) -> None:
    assert 'href="/exam/manage/"' in oscar.get("/proctor/").content.decode()
    listing = oscar.get("/exam/manage/").content.decode()
    assert "FORMAL" in listing and "TRIAL" in listing and 'href="/exam/manage/new/"' in listing
    assert 'href="/exam/manage/"' not in setup.signed_in("sam").get("/proctor/").content.decode()


@pytest.mark.parametrize("kind", [Exam.Kind.SETUP, Exam.Kind.TRIAL, Exam.Kind.FORMAL])
def test_an_exam_of_each_kind_is_created_with_every_setting(
    personas: Personas, oscar: Client, subject: Subject, kind: str
) -> None:
    exam = setup.create(
        oscar,
        subject,
        code=f"SAFE-{kind}",
        kind=kind,
        early_sign_in_minutes=45,
        duration_minutes=75,
        min_answer_minutes=30,
        max_attempts=3,
        score_policy=Exam.ScorePolicy.AFTER_CLOSE,
        counted_attempt=Exam.CountedAttempt.LAST,
        leave_policy=Exam.LeavePolicy.CONSUME,
        requires_identity=True,
        allows_self_enrolment=True,
        requires_camera=False,
        requires_second_view=True,
        shuffle_questions=True,
        shuffle_options=True,
    )
    assert exam.kind == kind
    assert exam.duration == dt.timedelta(minutes=75) and exam.min_answer_minutes == 30
    assert exam.early_sign_in_minutes == 45
    assert exam.sign_in_from == exam.opens_at - dt.timedelta(minutes=45)
    policies = (exam.max_attempts, exam.score_policy, exam.leave_policy)
    assert policies == (3, "after_close", "consume")
    assert exam.counted_attempt == "last" and exam.allows_self_enrolment
    assert exam.requires_identity and exam.requires_second_view and not exam.requires_camera
    assert exam.shuffle_questions and exam.shuffle_options
    assert exam.commitment_text == "本人承诺遵守考试纪律。"
    entry = AuditEntry.objects.get(action="exam.created", target_id=str(exam.pk))
    assert entry.actor == personas.oscar and entry.data["kind"] == kind
    page = oscar.get(f"/exam/manage/{exam.pk}/").content.decode()
    assert 'name="counted_attempt"' in page and 'name="allows_self_enrolment"' in page
    assert f'href="/proctor/exams/{exam.pk}/alert-rules/"' in page
    assert f'href="/exam/manage/{exam.pk}/paper/"' in page


def test_the_new_exam_form_offers_the_standard_commitment_letter(oscar: Client) -> None:
    page = oscar.get("/exam/manage/new/").content.decode()
    assert "本人承诺：遵守考试纪律" in page


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"closes_at": setup.local(timezone.now() - dt.timedelta(hours=1))},
            "The exam must close after it opens.",
        ),
        (
            {"duration_minutes": 600},
            "The duration is longer than the exam&#x27;s window",
        ),
        (
            {"min_answer_minutes": 90, "duration_minutes": 60},
            "The minimum answering time cannot be longer than the duration.",
        ),
        ({"max_attempts": 0}, "Ensure this value is greater than or equal to 1."),
        ({"code": "FORMAL"}, "Exam with this Code already exists."),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_is_written(
    personas: Personas, oscar: Client, subject: Subject, changes: dict, message: str
) -> None:
    before = Exam.objects.count()
    response = oscar.post("/exam/manage/new/", setup.exam_form(subject, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Exam.objects.count() == before
    assert not AuditEntry.objects.filter(action="exam.created").exists()


def test_before_anyone_signs_in_every_setting_may_change(personas: Personas, oscar: Client) -> None:
    exam = personas.formal
    page = oscar.get(f"/exam/manage/{exam.pk}/").content.decode()
    assert 'id="after-start-rule"' not in page
    response = oscar.post(
        f"/exam/manage/{exam.pk}/",
        setup.form_of(
            exam, duration_minutes=45, leave_policy="consume", commitment_text="新的承诺"
        ),
    )
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.duration == dt.timedelta(minutes=45) and exam.leave_policy == "consume"
    assert exam.commitment_text == "新的承诺"
    entry = AuditEntry.objects.get(action="exam.updated", target_id=str(exam.pk))
    assert set(entry.data["changes"]) == {"duration", "leave_policy", "commitment_text"}


@pytest.mark.usefixtures("english")
def test_after_candidates_started_the_page_says_what_may_change_and_refuses_the_rest(
    personas: Personas, oscar: Client
) -> None:
    exam = personas.formal
    registration = Registration.objects.get(exam=exam, candidate=personas.carol)
    services.open_attempt(registration)
    page = oscar.get(f"/exam/manage/{exam.pk}/").content.decode()
    assert 'id="after-start-rule"' in page and "closing time (later only)" in page

    # The form sent back as shown changes nothing (times are shown to the minute).
    unchanged = oscar.post(f"/exam/manage/{exam.pk}/", setup.form_of(exam))
    assert unchanged.status_code == 302
    assert not AuditEntry.objects.filter(action="exam.updated").exists()

    stored = Exam.objects.get(pk=exam.pk)
    refused: list[tuple[dict[str, Any], str]] = [
        ({"duration_minutes": 30}, "can no longer change: duration"),
        ({"commitment_text": "改过的承诺"}, "can no longer change: commitment letter"),
        ({"requires_camera": False}, "can no longer change: camera required"),
        (
            {"closes_at": setup.local(exam.closes_at - dt.timedelta(hours=1))},
            "its closing time may only move later",
        ),
    ]
    for changes, message in refused:
        response = oscar.post(f"/exam/manage/{exam.pk}/", setup.form_of(exam, **changes))
        assert response.status_code == 400
        assert message in response.content.decode()
        current = Exam.objects.get(pk=exam.pk)
        assert (current.duration, current.commitment_text, current.closes_at) == (
            stored.duration,
            stored.commitment_text,
            stored.closes_at,
        )
        assert current.requires_camera
    assert not AuditEntry.objects.filter(action="exam.updated").exists()

    later = exam.closes_at + dt.timedelta(hours=2)
    response = oscar.post(
        f"/exam/manage/{exam.pk}/",
        setup.form_of(exam, closes_at=setup.local(later), max_attempts=3, title="新标题"),
    )
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.closes_at == later.replace(second=0, microsecond=0)
    assert (exam.max_attempts, exam.title) == (3, "新标题")
    entry = AuditEntry.objects.get(action="exam.updated")
    assert set(entry.data["changes"]) == {"closes_at", "max_attempts", "title"}
    assert entry.data["started"] is True


@pytest.mark.parametrize(
    ("who", "status"),
    [("paula", 403), ("sam", 403), ("olga", 403), ("ingrid", 403), ("carol", 403), (None, 302)],
)
def test_only_the_organisation_sets_exams_up(
    personas: Personas, subject: Subject, who: str | None, status: int
) -> None:
    if who == "carol":
        client = candidate_client(personas, "carol")
    elif who:
        client = setup.signed_in(who)
    else:
        client = Client()
    exam = personas.formal
    before = Exam.objects.get(pk=exam.pk).title
    for path in [
        "/exam/manage/",
        "/exam/manage/new/",
        f"/exam/manage/{exam.pk}/",
        f"/exam/manage/{exam.pk}/paper/",
        f"/exam/manage/{exam.pk}/paper/preview/",
        f"/proctor/exams/{exam.pk}/alert-rules/",
    ]:
        assert client.get(path).status_code == status, path
    assert client.post("/exam/manage/new/", setup.exam_form(subject)).status_code == status
    response = client.post(f"/exam/manage/{exam.pk}/", setup.form_of(exam, title="x"))
    assert response.status_code == status
    assert Exam.objects.get(pk=exam.pk).title == before
    assert not Exam.objects.filter(code="SAFE-FORMAL").exists()


def _walk_to_answering(client: Client) -> Attempt:
    assert client.get("/exam/")["Location"] == "/exam/info/"
    assert client.post("/exam/info/")["Location"] == "/exam/commitment/"
    assert client.post("/exam/commitment/", {"decision": "accept"})["Location"] == "/exam/answer/"
    return Attempt.objects.get(registration__candidate__user__username="cand-307201")


def test_a_candidate_of_a_created_formal_exam_takes_it(
    personas: Personas, oscar: Client, subject: Subject
) -> None:
    questions = setup.bank(subject, Question.Kind.SINGLE, 3, points=5)
    exam = setup.create(oscar, subject, code="NEW-FORMAL")
    response = oscar.post(
        f"/exam/manage/{exam.pk}/paper/add/", {"question": [q.pk for q in questions]}
    )
    assert response.status_code == 302
    register(exam, personas.carol, personas.room_a, "NEW-111")

    carol = candidate_client(personas, "carol", passcode="NEW-111")
    attempt = _walk_to_answering(carol)
    assert attempt.registration.exam == exam and attempt.status == AttemptStatus.ANSWERING
    letter = attempt.commitment.text
    assert letter == "本人承诺遵守考试纪律。"
    answer_page = carol.get("/exam/answer/").content.decode()
    assert "js/view1.js" in answer_page  # the camera is required by default
    state = carol.get(f"/api/exam/attempts/{attempt.pk}").json()
    assert [q["id"] for q in state["questions"]] == [q.pk for q in questions]
    assert [q["points"] for q in state["questions"]] == [5, 5, 5]


def test_a_device_set_up_needs_no_paper_and_the_candidate_finishes_it(
    personas: Personas, oscar: Client, subject: Subject
) -> None:
    exam = setup.create(
        oscar,
        subject,
        code="NEW-SETUP",
        kind=Exam.Kind.SETUP,
        requires_camera=False,
    )
    detail = oscar.get(f"/exam/manage/{exam.pk}/").content.decode()
    assert 'id="paper-problems"' not in detail  # no paper is needed
    register(exam, personas.carol, personas.room_a, "SETUP-1")

    carol = candidate_client(personas, "carol", passcode="SETUP-1")
    attempt = _walk_to_answering(carol)
    assert attempt.paper == []
    page = carol.get("/exam/answer/").content.decode()
    assert 'id="setup-note"' in page
    assert "js/view1.js" not in page and "recorder.js" not in page  # no camera asked for
    assert carol.post(f"/api/exam/attempts/{attempt.pk}/submit").status_code == 200
    services.grade(attempt.pk)
    result = carol.get(f"/exam/attempts/{attempt.pk}/result/").content.decode()
    assert 'id="setup-done"' in result


def test_the_camera_requirement_is_followed_on_the_waiting_room(
    personas: Personas, oscar: Client, subject: Subject
) -> None:
    opens = timezone.now() + dt.timedelta(minutes=20)
    for code, camera in (("CAM-ON", True), ("CAM-OFF", False)):
        exam = setup.create(
            oscar,
            subject,
            code=code,
            kind=Exam.Kind.SETUP,
            opens_at=setup.local(opens),
            requires_camera=camera,
        )
        registration = register(exam, personas.dave, personas.room_b, f"P-{code}")
        dave = candidate_client(personas, "dave", passcode=f"P-{code}")
        dave.get("/exam/")
        dave.post("/exam/info/")
        assert (
            dave.post("/exam/commitment/", {"decision": "accept"})["Location"] == "/exam/waiting/"
        )
        waiting = dave.get("/exam/waiting/").content.decode()
        assert ("js/view1.js" in waiting) is camera, code
        registration.delete()
