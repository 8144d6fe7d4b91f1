"""The question editor: the evaluation organisation writes questions of all five kinds through
the pages, sees them as candidates will, changes them until a candidate has been given one, and
then copies it instead; every save is audited and goes through the importers' checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from exams.models import Registration
from questionbank.models import Question, Subject
from tests.personas import PASSWORD, Personas, answering

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BASE = {"points": "2", "difficulty": "3", "chapter": "第一章", "explanation": ""}


@pytest.fixture
def org(personas: Personas) -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    return client


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="ED-1", name="编辑测试")


def post_new(client: Client, subject: Subject, **fields: Any):
    return client.post(f"/questionbank/{subject.code}/new/", {**BASE, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"kind": "single", "text": "1+1=？", "option_A": "1", "option_B": "2", "correct": "B"},
            ([{"key": "A", "text": "1"}, {"key": "B", "text": "2"}], "B"),
        ),
        (
            # A blank row is left out and the options keep consecutive letters.
            {
                "kind": "multiple",
                "text": "哪些是偶数？",
                "option_A": "2",
                "option_B": "",
                "option_C": "3",
                "option_D": "4",
                "correct": ["A", "D"],
            },
            (
                [{"key": "A", "text": "2"}, {"key": "B", "text": "3"}, {"key": "C", "text": "4"}],
                ["A", "C"],
            ),
        ),
        (
            {"kind": "true_false", "text": "地球是圆的。", "true_false": "T"},
            ([{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}], "T"),
        ),
        (
            {
                "kind": "fill_in",
                "text": "中国的首都是____，简称____。",
                "blanks": "北京|北京市\n京",
            },
            ([], [["北京", "北京市"], ["京"]]),
        ),
        (
            {"kind": "short_answer", "text": "简述考场纪律。", "reference": "不得携带手机。"},
            ([], "不得携带手机。"),
        ),
    ],
)
def test_each_kind_is_written_through_the_page(
    org: Client, subject: Subject, fields: dict, expected: tuple
) -> None:
    response = post_new(org, subject, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(subject=subject)
    assert (question.options, question.answer) == expected
    assert (question.kind, question.points, question.chapter) == (fields["kind"], 2, "第一章")
    event = AuditEntry.objects.get(action="question.created")
    assert event.target_id == str(question.pk)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "single", "text": "?", "option_A": "1", "option_B": "2"}, "the letter of one"),
        (
            {
                "kind": "single",
                "text": "?",
                "option_A": "1",
                "option_B": "2",
                "correct": ["A", "B"],
            },
            "the letter of one",
        ),
        ({"kind": "single", "text": "?", "option_A": "1", "correct": "A"}, "at least two options"),
        (
            {"kind": "single", "text": "?", "option_A": "1", "option_B": "1", "correct": "A"},
            "same text",
        ),
        (
            {"kind": "multiple", "text": "?", "option_A": "1", "option_B": "2", "correct": "C"},
            "one or more options",
        ),
        ({"kind": "true_false", "text": "?"}, "true or false"),
        ({"kind": "fill_in", "text": "a ____ b ____", "blanks": "x"}, "2 blanks"),
        ({"kind": "fill_in", "text": "a ____", "blanks": ""}, "every blank"),
        ({"kind": "short_answer", "text": "  ", "reference": "x"}, "This field is required"),
    ],
)
def test_a_question_that_would_not_import_is_refused_with_the_reason(
    org: Client, subject: Subject, fields: dict, message: str
) -> None:
    response = post_new(org, subject, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Question.objects.filter(subject=subject).exists()
    assert not AuditEntry.objects.filter(action="question.created").exists()


def test_the_preview_shows_the_question_and_saves_nothing(org: Client, subject: Subject) -> None:
    fields = {
        "kind": "single",
        "text": "预览题干",
        "option_A": "甲",
        "option_B": "乙",
        "correct": "B",
        "preview": "1",
    }
    response = post_new(org, subject, **fields)
    page = response.content.decode()
    assert response.status_code == 200
    assert "预览题干" in page and "<b>B</b> 乙" in page and "Correct answer" in page
    assert not Question.objects.filter(subject=subject).exists()


def test_a_question_is_changed_until_a_candidate_is_given_it_then_copied(
    org: Client, personas: Personas
) -> None:
    attempt = answering(Registration.objects.get(exam=personas.formal, candidate=personas.carol))
    used = Question.objects.get(pk=attempt.paper[0]["question"])
    unused = Question.objects.create(
        subject=used.subject,
        kind="true_false",
        text="未用过的题",
        answer="T",
        options=[{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}],
    )
    edit = {**BASE, "kind": "true_false", "text": "改过的题", "true_false": "F"}
    assert org.post(f"/questionbank/questions/{unused.pk}/edit/", edit).status_code == 302
    unused.refresh_from_db()
    assert (unused.text, unused.answer, unused.points) == ("改过的题", "F", 2)
    changed = AuditEntry.objects.get(action="question.changed")
    assert set(changed.data["fields"]) == {"text", "answer", "points", "chapter"}

    page = org.get(f"/questionbank/questions/{used.pk}/edit/").content.decode()
    assert "Copy as a new question" in page
    before = (used.text, used.answer)
    refused = org.post(f"/questionbank/questions/{used.pk}/edit/", {**edit})
    assert refused.status_code == 400
    assert "cannot change" in refused.content.decode()
    used.refresh_from_db()
    assert (used.text, used.answer) == before

    copy = org.post(f"/questionbank/questions/{used.pk}/copy/", {**edit, "retire_original": "1"})
    assert copy.status_code == 302
    used.refresh_from_db()
    assert used.retired and (used.text, used.answer) == before
    assert Question.objects.filter(text="改过的题").count() == 2


@pytest.mark.parametrize("who", ["sam", "paula", "ingrid"])
def test_only_the_evaluation_organisation_writes_questions(
    personas: Personas, subject: Subject, who: str
) -> None:
    client = Client()
    assert client.login(username=who, password=PASSWORD)
    fields = {"kind": "true_false", "text": "x", "true_false": "T"}
    assert post_new(client, subject, **fields).status_code == 403
    question = Question.objects.create(subject=subject, kind="short_answer", text="x", answer="y")
    assert client.get(f"/questionbank/questions/{question.pk}/edit/").status_code == 403
    assert Client().get(f"/questionbank/{subject.code}/new/").status_code == 302
    assert Question.objects.filter(subject=subject).count() == 1
