"""The demo data has a bank with every kind of question, each well formed and each scoring its
points for the right answer."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from questionbank import shapes
from questionbank.answers import clean_response, score
from questionbank.models import Question, Subject

pytestmark = pytest.mark.django_db


def right_response(question: Question) -> object:
    if question.kind == Question.Kind.FILL_IN:
        return [texts[0] for texts in question.answer]
    return question.answer


def test_the_demo_bank_has_every_kind_and_every_question_is_well_formed() -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # seeding twice adds nothing

    bank = Subject.objects.get(code="00018").questions.all()
    assert {q.kind for q in bank} == set(Question.Kind.values)
    assert bank.count() == 10
    for question in bank:
        draft = shapes.Draft(
            kind=question.kind,
            text=question.text,
            options=question.options,
            answer=question.answer,
            points=question.points,
            difficulty=question.difficulty,
            chapter=question.chapter,
        )
        assert shapes.problems(draft) == [], question.text
        response = clean_response(question, right_response(question))
        expected = question.points if question.is_objective else None
        assert score(question, response) == expected, question.text
