"""An exam's paper set up through the pages: a fixed paper chosen from the bank (order,
points), rules checked against the bank (an unsatisfiable or overlapping rule is refused with
a message naming it and writes nothing), the per-type summary, the preview drawn by the real
draw, and no change once candidates have started."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from audit.models import AuditEntry
from exams import papers, services
from exams.models import Exam, PaperItem, PaperRule, Registration
from questionbank.models import Question, Subject
from tests import exam_setup_helpers as setup
from tests.conftest import candidate_client
from tests.personas import Personas, register

Kind = Question.Kind


@pytest.fixture
def subject(personas: Personas) -> Subject:
    return Subject.objects.get(code="SAFE")


@pytest.fixture
def oscar(personas: Personas) -> Client:
    return setup.signed_in("oscar")


@pytest.fixture
def exam(oscar: Client, subject: Subject) -> Exam:
    return setup.create(oscar, subject, code="PAPER")


def rules_form(*rules: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {
        "rules-TOTAL_FORMS": len(rules),
        "rules-INITIAL_FORMS": 0,
        "rules-MIN_NUM_FORMS": 0,
        "rules-MAX_NUM_FORMS": 1000,
    }
    for index, rule in enumerate(rules):
        for name, value in rule.items():
            data[f"rules-{index}-{name}"] = value
    return data


def use_rules(oscar: Client, exam: Exam) -> None:
    response = oscar.post(f"/exam/manage/{exam.pk}/paper/mode/", {"paper_mode": "random"})
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.paper_mode == Exam.PaperMode.RANDOM


def preview_ids(oscar: Client, exam: Exam, seed: int) -> list[int]:
    page = oscar.get(f"/exam/manage/{exam.pk}/paper/preview/?seed={seed}").content.decode()
    return [int(n) for n in re.findall(r'data-question="(\d+)"', page)]


def test_a_fixed_paper_is_chosen_ordered_and_pointed_from_the_bank(
    oscar: Client, exam: Exam, subject: Subject, english: None
) -> None:
    singles = setup.bank(subject, Kind.SINGLE, 2, points=2)
    judged = setup.bank(subject, Kind.TRUE_FALSE, 1, points=1)
    page = oscar.get(f"/exam/manage/{exam.pk}/paper/").content.decode()
    assert all(f'value="{q.pk}"' in page for q in singles + judged)

    oscar.post(f"/exam/manage/{exam.pk}/paper/add/", {"question": [q.pk for q in singles]})
    oscar.post(f"/exam/manage/{exam.pk}/paper/add/", {"question": [judged[0].pk]})
    items = list(exam.paper_items.order_by("position"))
    assert [i.question_id for i in items] == [singles[0].pk, singles[1].pk, judged[0].pk]
    assert AuditEntry.objects.filter(action="exam.paper_questions_added").count() == 2

    # Move the true/false question first, give the second single 10 points, remove the first.
    form = {
        f"order-{items[0].pk}": 1,
        f"remove-{items[0].pk}": "on",
        f"order-{items[1].pk}": 3,
        f"points-{items[1].pk}": 10,
        f"order-{items[2].pk}": 0,
    }
    assert oscar.post(f"/exam/manage/{exam.pk}/paper/items/", form).status_code == 302
    saved = [(i.question_id, i.position, i.points) for i in exam.paper_items.order_by("position")]
    assert saved == [(judged[0].pk, 1, None), (singles[1].pk, 2, 10)]

    summary = oscar.get(f"/exam/manage/{exam.pk}/paper/").content.decode()
    table = summary[summary.index('id="paper-summary"') :]
    assert "<td>11</td>" in table  # 1 + 10 points in total
    assert preview_ids(oscar, exam, 7) == [judged[0].pk, singles[1].pk]
    preview = oscar.get(f"/exam/manage/{exam.pk}/paper/preview/?seed=7").content.decode()
    assert "11 points" in preview


@pytest.mark.usefixtures("english")
def test_bad_order_or_points_change_nothing(oscar: Client, exam: Exam, subject: Subject) -> None:
    question = setup.bank(subject, Kind.SINGLE, 1)[0]
    oscar.post(f"/exam/manage/{exam.pk}/paper/add/", {"question": [question.pk]})
    item = exam.paper_items.get()
    response = oscar.post(
        f"/exam/manage/{exam.pk}/paper/items/",
        {f"order-{item.pk}": "first", f"points-{item.pk}": "200"},
        follow=True,
    )
    assert "the order must be a whole number" in response.content.decode()
    item.refresh_from_db()
    assert (item.position, item.points) == (1, None)
    assert not AuditEntry.objects.filter(action="exam.paper_items_saved").exists()


def test_a_question_of_another_subject_cannot_be_added(
    oscar: Client, exam: Exam, subject: Subject
) -> None:
    other = Subject.objects.create(code="OTHER", name="Other")
    stranger = setup.bank(other, Kind.SINGLE, 1)[0]
    response = oscar.post(
        f"/exam/manage/{exam.pk}/paper/add/", {"question": [stranger.pk]}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/exam/manage/{exam.pk}/paper/"
    assert not exam.paper_items.exists()


@pytest.mark.usefixtures("english")
def test_a_rule_the_bank_cannot_satisfy_is_refused_naming_it_and_what_exists(
    oscar: Client, exam: Exam, subject: Subject
) -> None:
    setup.bank(subject, Kind.SINGLE, 4, difficulty=2, chapter="安全")
    setup.bank(subject, Kind.MULTIPLE, 2)
    use_rules(oscar, exam)
    response = oscar.post(
        f"/exam/manage/{exam.pk}/paper/rules/",
        rules_form(
            {"kind": "single", "difficulty": 2, "chapter": "安全", "count": 3, "points": 2},
            {"kind": "multiple", "difficulty": "", "chapter": "", "count": 5, "points": ""},
        ),
    )
    assert response.status_code == 400 and response["X-Refused"] == "setup"
    text = response.content.decode()
    assert "Rule 2 (Multiple choice) asks for 5 questions but the bank has 2" in text
    assert "Rule 1" not in text
    assert not PaperRule.objects.filter(exam=exam).exists()
    assert not AuditEntry.objects.filter(action="exam.paper_rules_saved").exists()


@pytest.mark.usefixtures("english")
def test_rules_that_could_draw_the_same_questions_are_refused(
    oscar: Client, exam: Exam, subject: Subject
) -> None:
    setup.bank(subject, Kind.SINGLE, 6, difficulty=3)
    use_rules(oscar, exam)
    response = oscar.post(
        f"/exam/manage/{exam.pk}/paper/rules/",
        rules_form(
            {"kind": "single", "difficulty": 3, "chapter": "", "count": 2, "points": ""},
            {"kind": "single", "difficulty": "", "chapter": "", "count": 2, "points": ""},
        ),
    )
    assert response.status_code == 400
    assert "Rule 1 (Single choice, difficulty 3) and Rule 2 (Single choice) could draw" in (
        response.content.decode()
    )
    assert not PaperRule.objects.filter(exam=exam).exists()


def test_rules_are_saved_and_the_preview_is_the_real_draw(
    personas: Personas, oscar: Client, exam: Exam, subject: Subject
) -> None:
    setup.bank(subject, Kind.SINGLE, 5, difficulty=1, points=2)
    setup.bank(subject, Kind.SINGLE, 5, difficulty=4, points=3)
    setup.bank(subject, Kind.TRUE_FALSE, 4)
    use_rules(oscar, exam)
    response = oscar.post(
        f"/exam/manage/{exam.pk}/paper/rules/",
        rules_form(
            {"kind": "single", "difficulty": 1, "chapter": "", "count": 3, "points": 4},
            {"kind": "single", "difficulty": 4, "chapter": "", "count": 2, "points": ""},
            {"kind": "true_false", "difficulty": "", "chapter": "", "count": 4, "points": 1},
            {"kind": "single", "difficulty": "", "chapter": "", "count": 1, "DELETE": "on"},
        ),
    )
    assert response.status_code == 302
    rules = list(exam.paper_rules.order_by("position"))
    assert [(r.kind, r.difficulty, r.count, r.points) for r in rules] == [
        ("single", 1, 3, 4),
        ("single", 4, 2, None),
        ("true_false", None, 4, 1),
    ]
    assert AuditEntry.objects.filter(action="exam.paper_rules_saved").count() == 1
    page = oscar.get(f"/exam/manage/{exam.pk}/paper/").content.decode()
    table = page[page.index('id="paper-summary"') :]
    singles = subject.questions.filter(kind=Kind.SINGLE).count()  # the personas' too
    assert f"<td>5</td><td>{singles}</td><td>18</td>" in table  # 5 singles: 3 × 4 + 2 × 3
    assert papers.problems(exam) == []

    for seed in (1, 12345):
        expected = [entry["question"] for entry in papers.draw(exam, seed)]
        assert preview_ids(oscar, exam, seed) == expected
        assert len(expected) == 9

    # A candidate signing in gets a paper drawn by the same rules.
    register(exam, personas.carol, personas.room_a, "PAPER-1")
    carol = candidate_client(personas, "carol", passcode="PAPER-1")
    carol.get("/exam/")
    carol.post("/exam/info/")
    carol.post("/exam/commitment/", {"decision": "accept"})
    attempt = Registration.objects.get(exam=exam, candidate=personas.carol).attempts.get()
    assert attempt.paper == papers.draw(exam, attempt.seed)
    assert preview_ids(oscar, exam, attempt.seed) == attempt.question_ids()


@pytest.mark.usefixtures("english")
def test_the_paper_cannot_change_once_candidates_started(
    personas: Personas, oscar: Client, subject: Subject
) -> None:
    exam = personas.formal
    services.open_attempt(Registration.objects.get(exam=exam, candidate=personas.carol))
    extra = setup.bank(subject, Kind.SINGLE, 1)[0]
    before = list(PaperItem.objects.filter(exam=exam).values_list("question_id", "position"))
    page = oscar.get(f"/exam/manage/{exam.pk}/paper/").content.decode()
    assert "so its paper can no longer change" in page
    for path, data in [
        ("add/", {"question": [extra.pk]}),
        ("mode/", {"paper_mode": "random"}),
        ("rules/", rules_form({"kind": "single", "count": 1, "difficulty": "", "chapter": ""})),
    ]:
        response = oscar.post(f"/exam/manage/{exam.pk}/paper/{path}", data)
        assert response["X-Refused"] == "setup", path
    items = exam.paper_items.order_by("position")
    form = {f"order-{item.pk}": 4 - item.position for item in items}
    assert oscar.post(f"/exam/manage/{exam.pk}/paper/items/", form)["X-Refused"] == "setup"
    after = list(PaperItem.objects.filter(exam=exam).values_list("question_id", "position"))
    assert after == before
    exam.refresh_from_db()
    assert exam.paper_mode == Exam.PaperMode.FIXED and not exam.paper_rules.exists()
