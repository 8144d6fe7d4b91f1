"""The question editor: the evaluation organisation writes and edits questions of every kind
through the pages, checked by the same rules as imports; a question on a drawn paper can no
longer change (copy it instead); every change is audited; nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from exams.models import Registration
from questionbank.models import Question, Subject
from tests import personas as personas_module
from tests.personas import PASSWORD, Personas


@pytest.fixture
def oscar(personas: Personas) -> Client:
    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    client.cookies["django_language"] = "en"  # the messages are checked in English
    return client


@pytest.fixture
def subject(personas: Personas) -> Subject:
    return Subject.objects.create(code="00015", name="英语（二）")


def common(**fields: Any) -> dict[str, Any]:
    return {"points": "2", "difficulty": "4", "chapter": "第一章", "explanation": "", **fields}


def create(client: Client, subject: Subject, kind: str, data: dict[str, Any]) -> Any:
    return client.post(f"/questionbank/{subject.code}/new/{kind}/", {"action": "save", **data})


def test_a_single_choice_question_is_created_with_empty_rows_left_out(
    oscar: Client, subject: Subject
) -> None:
    response = create(
        oscar,
        subject,
        "single",
        common(text="首都是？", option_A="上海", option_C="北京", option_D="广州", answer="C"),
    )
    assert response.status_code == 302
    question = subject.questions.get()
    assert question.kind == "single"
    # Row C becomes option B once the empty row B is left out; the answer follows its row.
    assert question.options == [
        {"key": "A", "text": "上海"},
        {"key": "B", "text": "北京"},
        {"key": "C", "text": "广州"},
    ]
    assert question.answer == "B"
    assert (question.points, question.difficulty, question.chapter) == (2, 4, "第一章")
    assert response["Location"] == f"/questionbank/questions/{question.pk}/"
    page = oscar.get(response["Location"]).content.decode()
    assert 'id="question-preview"' in page and "北京" in page


def test_a_multiple_choice_question_is_created(oscar: Client, subject: Subject) -> None:
    data = common(text="质数有？", option_A="2", option_B="4", option_C="5", answer=["C", "A"])
    assert create(oscar, subject, "multiple", data).status_code == 302
    assert subject.questions.get().answer == ["A", "C"]


def test_a_true_or_false_question_is_created(oscar: Client, subject: Subject) -> None:
    assert (
        create(oscar, subject, "true_false", common(text="地球是圆的。", answer="T")).status_code
        == 302
    )
    question = subject.questions.get()
    assert question.answer == "T"
    assert [o["key"] for o in question.options] == ["T", "F"]


def test_a_fill_in_question_is_created_with_variants(oscar: Client, subject: Subject) -> None:
    data = common(
        text="HTTP 用 ____ 端口，HTTPS 用 ____ 端口。", blank_1="80", blank_2="443 | 四四三"
    )
    assert create(oscar, subject, "fill_in", data).status_code == 302
    assert subject.questions.get().answer == [["80"], ["443", "四四三"]]


def test_a_short_answer_question_is_created(oscar: Client, subject: Subject) -> None:
    data = common(text="简述 TCP 三次握手。", answer="SYN, SYN-ACK, ACK")
    assert create(oscar, subject, "short_answer", data).status_code == 302
    question = subject.questions.get()
    assert (question.kind, question.answer) == ("short_answer", "SYN, SYN-ACK, ACK")


def test_creating_writes_an_audit_row(oscar: Client, subject: Subject, personas: Personas) -> None:
    create(oscar, subject, "true_false", common(text="地球是圆的。", answer="F"))
    question = subject.questions.get()
    entry = AuditEntry.objects.get(action="question.created")
    assert entry.actor == personas.oscar
    assert entry.target_id == str(question.pk)
    assert entry.data["subject"] == "00015"


@pytest.mark.parametrize(
    ("kind", "data", "field", "words"),
    [
        ("single", {"text": "Q", "option_A": "x", "option_B": "y", "answer": "D"}, "answer",
         "Option D is marked correct but has no text"),
        ("single", {"text": "Q", "option_A": "only", "answer": "A"}, "option_A",
         "at least two options"),
        ("multiple", {"text": "Q", "option_A": "x", "option_B": "x", "answer": ["A"]},
         "option_A", "same text"),
        ("multiple", {"text": "Q", "option_A": "x", "option_B": "y"}, "answer",
         "Tick at least one correct option"),
        ("fill_in", {"text": "A ____ and B ____.", "blank_1": "a"}, "blank_1",
         "has 2 blanks but the answer gives 1"),
        ("fill_in", {"text": "A ____.", "blank_1": "", "blank_2": "b"}, "blank_1",
         "every blank"),
        ("true_false", {"text": "Q"}, "answer", "Choose true or false"),
        ("short_answer", {"text": "  "}, "text", ""),
    ],
)  # fmt: skip
def test_a_question_that_does_not_hold_together_is_refused_with_what_to_do(
    oscar: Client, subject: Subject, kind: str, data: dict[str, Any], field: str, words: str
) -> None:
    response = create(oscar, subject, kind, common(**data))
    assert response.status_code == 400
    assert not subject.questions.exists()
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    page = response.content.decode()
    # The summary at the top links to the field.
    assert 'id="error-summary"' in page
    bound = response.context["form"][field]
    target = f"{bound.auto_id}_0" if bound.use_fieldset else bound.id_for_label
    assert f'href="#{target}"' in page and f'id="{target}"' in page


def test_preview_shows_the_question_without_saving_it(oscar: Client, subject: Subject) -> None:
    data = common(text="首都是？", option_A="上海", option_B="北京", answer="B", action="preview")
    response = oscar.post(f"/questionbank/{subject.code}/new/single/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="question-preview"' in page and 'id="preview-answer"' in page
    assert not subject.questions.exists()


def bank_question(subject: Subject) -> Question:
    return Question.objects.create(
        subject=subject,
        kind="single",
        text="旧题",
        options=[{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}],
        answer="A",
    )


def test_an_unused_question_is_edited_and_audited(oscar: Client, subject: Subject) -> None:
    question = bank_question(subject)
    page = oscar.get(f"/questionbank/questions/{question.pk}/edit/").content.decode()
    assert "旧题" in page and 'value="甲"' in page
    data = common(text="新题", option_A="甲", option_B="乙", option_C="丙", answer="C")
    response = oscar.post(f"/questionbank/questions/{question.pk}/edit/", data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.answer, len(question.options)) == ("新题", "C", 3)
    entry = AuditEntry.objects.get(action="question.edited")
    assert entry.target_id == str(question.pk)
    assert set(entry.data["fields"]) >= {"text", "options", "answer", "points"}


@pytest.fixture
def sat_question(personas: Personas) -> Question:
    """A question of the formal exam's fixed paper, drawn onto Carol's paper as she started."""
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = personas_module.answering(registration)
    return Question.objects.get(pk=attempt.paper[0]["question"])


def test_a_question_on_a_drawn_paper_cannot_be_edited(
    oscar: Client, sat_question: Question
) -> None:
    before = (sat_question.text, sat_question.answer)
    page = oscar.get(f"/questionbank/questions/{sat_question.pk}/edit/")
    assert page.status_code == 200
    assert "can no longer change" in page.content.decode()
    assert "form" not in page.context
    data = common(text="changed", option_A="x", option_B="y", answer="A")
    response = oscar.post(f"/questionbank/questions/{sat_question.pk}/edit/", data)
    assert response.status_code == 409
    assert "Copy it into a new question" in response.content.decode()
    sat_question.refresh_from_db()
    assert (sat_question.text, sat_question.answer) == before
    assert not AuditEntry.objects.filter(action="question.edited").exists()


def test_the_service_refuses_too(sat_question: Question, personas: Personas) -> None:
    from questionbank import services
    from questionbank.shapes import Draft

    draft = Draft(
        kind="true_false",
        text="x",
        options=[{"key": "T", "text": "t"}, {"key": "F", "text": "f"}],
        answer="T",
    )
    with pytest.raises(services.QuestionInUse):
        services.edit_question(sat_question, draft, by=personas.oscar)


def test_without_json_containment_the_papers_are_read(
    sat_question: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    from exams import papers

    assert papers.sittings_with(sat_question) == 1
    monkeypatch.setattr(connection.features, "supports_json_field_contains", False)
    assert papers.sittings_with(sat_question) == 1
    # The trial exam's questions are on no drawn paper yet; 13 must not match 1 either.
    undrawn = Question.objects.filter(text__startswith="TRIAL").first()
    assert undrawn is not None and papers.sittings_with(undrawn) == 0


def test_copying_a_used_question_creates_a_new_one_and_retires_the_old(
    oscar: Client, sat_question: Question
) -> None:
    page = oscar.get(f"/questionbank/questions/{sat_question.pk}/copy/").content.decode()
    assert sat_question.text in page
    data = common(
        text="改过的题", option_A="Option A", option_B="Option B", answer="B", retire_original="1"
    )
    response = oscar.post(f"/questionbank/questions/{sat_question.pk}/copy/", data)
    assert response.status_code == 302
    copy = Question.objects.get(text="改过的题")
    sat_question.refresh_from_db()
    assert sat_question.retired and not copy.retired
    assert AuditEntry.objects.get(action="question.created").data["copied_from"] == sat_question.pk
    assert AuditEntry.objects.filter(
        action="question.retired", target_id=str(sat_question.pk)
    ).exists()


@pytest.mark.parametrize("who", ["sam", "paula", "ingrid"])
def test_other_staff_get_403(personas: Personas, subject: Subject, who: str) -> None:
    question = bank_question(subject)
    client = Client()
    assert client.login(username=who, password=PASSWORD)
    for url in urls(subject, question):
        assert client.get(url).status_code == 403, url
        assert client.post(url, common(text="x", answer="T")).status_code == 403, url
    assert subject.questions.count() == 1


def urls(subject: Subject, question: Question) -> list[str]:
    return [
        f"/questionbank/{subject.code}/new/",
        f"/questionbank/{subject.code}/new/true_false/",
        f"/questionbank/questions/{question.pk}/",
        f"/questionbank/questions/{question.pk}/edit/",
        f"/questionbank/questions/{question.pk}/copy/",
    ]


def test_a_candidate_gets_403_and_an_anonymous_visitor_is_sent_to_sign_in(
    personas: Personas, subject: Subject
) -> None:
    from tests.conftest import candidate_client

    question = bank_question(subject)
    candidate = candidate_client(personas)
    for url in urls(subject, question):
        assert candidate.get(url).status_code == 403, url
        assert Client().get(url).status_code == 302, url


def test_the_bank_page_links_to_the_editor(oscar: Client, subject: Subject) -> None:
    question = bank_question(subject)
    page = oscar.get(f"/questionbank/{subject.code}/").content.decode()
    assert f'href="/questionbank/{subject.code}/new/"' in page
    assert f'href="/questionbank/questions/{question.pk}/edit/"' in page
