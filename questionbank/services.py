"""Changes to a bank made by staff: new subjects, retiring and restoring questions. Each writes
its audit row in the transaction of the change. Importing lives in ``importing``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from audit.services import record
from questionbank.models import Question, Subject


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
