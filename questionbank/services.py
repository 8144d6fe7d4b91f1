"""Changes to a bank made by staff (R-EXAM-1): new subjects, questions written and edited in the
editor, retiring and restoring questions. Each writes its audit row in the transaction of the
change. Importing lives in ``importing``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from audit.services import record
from core.errors import Refused
from questionbank import shapes, usage
from questionbank.models import Question, Subject
from questionbank.shapes import Draft

# The fields the editor writes; ``source``, ``retired`` and ``created_at`` are not its own.
EDITED_FIELDS = (
    "kind", "text", "text_html", "options", "answer", "points", "difficulty", "chapter",
    "explanation", "explanation_html",
)  # fmt: skip


class QuestionInUse(Refused):
    """The question is on a paper candidates have sat, so it can no longer change."""

    code = "question_in_use"
    status = 409


class InvalidQuestion(Refused):
    """The draft has problems (``problems``: ``shapes.problems`` pairs); nothing was saved."""

    code = "invalid_question"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


def in_use_refusal(question: Question) -> QuestionInUse | None:
    """Why ``question`` may not change (it is on a drawn paper), or None when it may."""
    sittings = usage.sittings_with(question)
    if not sittings:
        return None
    return QuestionInUse(
        _(
            "Question %(id)d is on the papers of %(count)d sittings, so it can no longer change: "
            "what candidates answered must stay as it was. Copy it into a new question (which "
            "can retire this one) and edit the copy."
        )
        % {"id": question.pk, "count": sittings}
    )


def create_question(
    subject: Subject,
    draft: Draft,
    *,
    by: Any,
    request: HttpRequest | None = None,
    replacing: Question | None = None,
) -> Question:
    """Save ``draft`` as a new question of ``subject``; with ``replacing``, retire that question
    in the same transaction (the copy replaces it in the draws). Raises ``InvalidQuestion``."""
    found = shapes.problems(draft)
    if found:
        raise InvalidQuestion(found)
    with transaction.atomic():
        question = draft.to_question(subject.pk)
        question.save()
        record(
            "question.created",
            actor=by,
            target=question,
            request=request,
            subject=subject.code,
            kind=question.kind,
            copied_from=replacing.pk if replacing else None,
        )
        if replacing is not None:
            set_retired(replacing, True, by=by, request=request)
    return question


def edit_question(
    question: Question, draft: Draft, *, by: Any, request: HttpRequest | None = None
) -> list[str]:
    """Write ``draft`` over ``question`` and return the names of the fields that changed
    (nothing is written, nor audited, when none did).

    Raises ``InvalidQuestion`` and, when the question is on a paper candidates have sat,
    ``QuestionInUse``: they answered it as it was, and grading reads it as it is.
    """
    found = shapes.problems(draft)
    if found:
        raise InvalidQuestion(found)
    with transaction.atomic():
        # The row lock makes a second editor wait, then compare with what the first wrote.
        locked = Question.objects.select_for_update().get(pk=question.pk)
        changed = [name for name in EDITED_FIELDS if getattr(locked, name) != getattr(draft, name)]
        if not changed:
            return []
        refusal = in_use_refusal(locked)
        if refusal is not None:
            raise refusal
        for name in changed:
            setattr(locked, name, getattr(draft, name))
        locked.save(update_fields=changed)
        record(
            "question.edited",
            actor=by,
            target=locked,
            request=request,
            subject=question.subject.code,
            fields=changed,
        )
    for name in changed:
        setattr(question, name, getattr(draft, name))
    return changed


def create_subject(code: str, name: str, *, by: Any, request: HttpRequest | None = None) -> Subject:
    with transaction.atomic():
        subject = Subject.objects.create(code=code, name=name)
        record("subject.created", actor=by, target=subject, request=request, code=code)
    return subject


def set_retired(
    question: Question, retired: bool, *, by: Any, request: HttpRequest | None = None
) -> bool:
    """Retire (``retired=True``) or restore a question. Retired questions stay for the papers
    that used them but are drawn no more. Returns False when the question already was in that
    state (a second click, or another administrator first): nothing is written then."""
    with transaction.atomic():
        changed = Question.objects.filter(pk=question.pk, retired=not retired).update(
            retired=retired
        )
        if changed:
            question.retired = retired
            record(
                "question.retired" if retired else "question.restored",
                actor=by,
                target=question,
                request=request,
                subject=question.subject.code,
            )
    return bool(changed)
