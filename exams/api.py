"""The exam client's JSON API (used by the exam page itself). Sessions authenticate; CSRF is
checked on every unsafe request. A candidate reaches only their own attempts: any other ID is
a 404, indistinguishable from one that does not exist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from exams import services
from exams.models import Attempt, Question

router = Router(tags=["exam"])


class OptionOut(Schema):
    key: str
    text: str


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    options: list[OptionOut]


class SavedAnswerOut(Schema):
    response: Any
    seq: int


class AttemptOut(Schema):
    id: int
    status: str
    remaining_seconds: int
    deadline: str
    questions: list[QuestionOut]
    answers: dict[str, SavedAnswerOut]


class AnswerIn(Schema):
    response: str | None = Field(..., max_length=200)
    seq: int = Field(..., ge=1, le=2_000_000_000)


class AnswerSavedOut(Schema):
    question_id: int
    seq: int
    remaining_seconds: int


class RefusedOut(Schema):
    code: str
    message: str
    current_seq: int | None = None
    remaining_seconds: int | None = None


class SubmittedOut(Schema):
    status: str
    result_url: str


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.of_candidate(request.user).select_related("registration"), pk=attempt_id
    )


@router.get("/attempts/{attempt_id}", response=AttemptOut)
def attempt_state(request: HttpRequest, attempt_id: int) -> dict[str, Any]:
    """Everything the exam page needs to (re)draw itself: questions, saved answers, time left."""
    attempt = _own_attempt(request, attempt_id)
    questions = Question.objects.filter(exam_id=attempt.registration.exam_id)
    answers = {
        str(question_id): {"response": response, "seq": seq}
        for question_id, response, seq in attempt.answers.values_list(
            "question_id", "response", "seq"
        )
    }
    return {
        "id": attempt.pk,
        "status": attempt.status,
        "remaining_seconds": attempt.remaining_seconds(),
        "deadline": attempt.deadline.isoformat(),
        "questions": [
            {
                "id": q.pk,
                "position": q.position,
                "kind": q.kind,
                "text": q.text,
                "options": q.options,
            }
            for q in questions
        ],
        "answers": answers,
    }


@router.put(
    "/attempts/{attempt_id}/answers/{question_id}",
    response={200: AnswerSavedOut, 409: RefusedOut, 422: RefusedOut},
)
def save_answer(request: HttpRequest, attempt_id: int, question_id: int, payload: AnswerIn) -> Any:
    """Save one answer. 200 means it is committed to the database; 409 means it was refused
    (``stale``, ``finished``, ``time_over``) and the client should stop retrying it."""
    attempt = _own_attempt(request, attempt_id)
    try:
        answer, attempt = services.save_answer(
            attempt.pk, question_id, payload.response, payload.seq
        )
    except services.AnswerRefused as refused:
        status = 422 if refused.code in {"invalid_response", "not_on_paper"} else 409
        attempt.refresh_from_db(fields=["deadline"])
        refusal = {
            "code": refused.code,
            "message": refused.message,
            "current_seq": refused.current_seq,
            "remaining_seconds": attempt.remaining_seconds(),
        }
        return Status(status, refusal)
    saved = {
        "question_id": question_id,
        "seq": answer.seq,
        "remaining_seconds": attempt.remaining_seconds(),
    }
    return Status(200, saved)


@router.post("/attempts/{attempt_id}/submit", response=SubmittedOut)
def submit(request: HttpRequest, attempt_id: int) -> dict[str, str]:
    """Submit the attempt. Repeating it is harmless: the paper is submitted once."""
    attempt = _own_attempt(request, attempt_id)
    attempt = services.submit(attempt, actor=request.user, request=request, now=timezone.now())
    return {"status": attempt.status, "result_url": reverse("exams:result", args=[attempt.pk])}
