"""Building exams through the staff's set-up pages, as the evaluation organisation does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from exams.models import Exam
from questionbank.models import Question, Subject
from tests.personas import PASSWORD

LOCAL = "%Y-%m-%dT%H:%M"


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime(LOCAL)


def exam_form(subject: Subject, **changes: Any) -> dict[str, Any]:
    """The new-exam form as a person fills it in: a window from five minutes ago for four
    hours. Booleans False are left out, as a browser leaves out unticked boxes."""
    now = timezone.now()
    data: dict[str, Any] = {
        "code": "SAFE-FORMAL",
        "title": "安全生产知识 正式考试",
        "kind": Exam.Kind.FORMAL,
        "subject": subject.pk,
        "opens_at": local(now - dt.timedelta(minutes=5)),
        "closes_at": local(now + dt.timedelta(hours=4)),
        "early_sign_in_minutes": "",
        "duration_minutes": 60,
        "min_answer_minutes": 0,
        "max_attempts": 2,
        "score_policy": Exam.ScorePolicy.IMMEDIATELY,
        "counted_attempt": Exam.CountedAttempt.BEST,
        "leave_policy": Exam.LeavePolicy.WARN,
        "leave_grace_seconds": 5,
        "requires_identity": False,
        "allows_self_enrolment": False,
        "requires_camera": True,
        "requires_second_view": False,
        "requires_room_scan": False,
        "view_loss_grace_seconds": 15,
        "appeal_window_days": 7,
        "shuffle_questions": False,
        "shuffle_options": False,
        "commitment_text": "本人承诺遵守考试纪律。",
    }
    data.update(changes)
    return {
        name: ("on" if value is True else value)
        for name, value in data.items()
        if value is not False
    }


def form_of(exam: Exam, **changes: Any) -> dict[str, Any]:
    """The exam's settings form as the page shows it, with ``changes``."""
    return exam_form(
        exam.subject,
        **{
            "code": exam.code,
            "title": exam.title,
            "kind": exam.kind,
            "opens_at": local(exam.opens_at),
            "closes_at": local(exam.closes_at),
            "early_sign_in_minutes": exam.early_sign_in_minutes or "",
            "duration_minutes": exam.duration_minutes,
            "min_answer_minutes": exam.min_answer_minutes,
            "max_attempts": exam.max_attempts,
            "score_policy": exam.score_policy,
            "counted_attempt": exam.counted_attempt,
            "leave_policy": exam.leave_policy,
            "leave_grace_seconds": exam.leave_grace_seconds,
            "requires_identity": exam.requires_identity,
            "allows_self_enrolment": exam.allows_self_enrolment,
            "requires_camera": exam.requires_camera,
            "requires_second_view": exam.requires_second_view,
            "requires_room_scan": exam.requires_room_scan,
            "view_loss_grace_seconds": exam.view_loss_grace_seconds,
            "shuffle_questions": exam.shuffle_questions,
            "shuffle_options": exam.shuffle_options,
            "commitment_text": exam.commitment_text,
            **changes,
        },
    )


def create(client: Client, subject: Subject, **changes: Any) -> Exam:
    response = client.post("/exam/manage/new/", exam_form(subject, **changes))
    assert response.status_code == 302, response.content.decode()
    exam = Exam.objects.get(code=changes.get("code", "SAFE-FORMAL"))
    assert response["Location"] == f"/exam/manage/{exam.pk}/"
    return exam


def bank(subject: Subject, kind: str, count: int, **fields: Any) -> list[Question]:
    """``count`` questions of ``kind`` in ``subject``'s bank (single choice answers B)."""
    made = []
    for n in range(count):
        options: list[dict[str, str]] = []
        answer: Any = "B"
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            options = [{"key": k, "text": f"选项 {k}"} for k in "ABCD"]
            answer = "B" if kind == Question.Kind.SINGLE else ["A", "B"]
        elif kind == Question.Kind.TRUE_FALSE:
            options = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
            answer = "T"
        made.append(
            Question.objects.create(
                subject=subject,
                kind=kind,
                text=f"{kind} {fields.get('chapter', '')} {fields.get('difficulty', '')} #{n}",
                options=options,
                answer=answer,
                **fields,
            )
        )
    return made
