"""Each candidate's paper (R-EXAM-1): fixed or drawn by rules, shuffled per candidate and
reproducible from the attempt's seed, grouped by question kind."""

from __future__ import annotations

import pytest

from exams import papers
from exams.models import Exam, PaperRule
from questionbank.models import Question
from tests.personas import Personas, subject


def bank(kind: str, count: int, **fields: object) -> list[Question]:
    made = []
    for n in range(count):
        options = (
            [{"key": k, "text": f"{kind} {n} {k}"} for k in "ABCD"]
            if kind in ("single", "multiple")
            else []
        )
        answer: object = {
            "single": "A",
            "multiple": ["A", "B"],
            "true_false": "T",
            "fill_in": [["x"]],
        }[kind]
        if kind == "true_false":
            options = [{"key": "T", "text": "对"}, {"key": "F", "text": "错"}]
        made.append(
            Question.objects.create(
                subject=subject(),
                kind=kind,
                text=f"{kind} {n}",
                options=options,
                answer=answer,
                **fields,
            )
        )
    return made


@pytest.fixture
def random_exam(personas: Personas) -> Exam:
    bank("single", 6, difficulty=2)
    bank("single", 4, difficulty=4)
    bank("true_false", 5)
    bank("multiple", 3, chapter="第二章")
    exam = personas.formal
    exam.paper_mode = Exam.PaperMode.RANDOM
    exam.shuffle_questions = exam.shuffle_options = True
    exam.save()
    PaperRule.objects.create(exam=exam, position=1, kind="true_false", count=3, points=1)
    PaperRule.objects.create(exam=exam, position=2, kind="single", difficulty=4, count=2, points=2)
    PaperRule.objects.create(exam=exam, position=3, kind="multiple", chapter="第二章", count=2)
    return exam


def test_rules_draw_the_right_number_of_each_kind(random_exam: Exam) -> None:
    paper = papers.draw(random_exam, seed=7)
    kinds = [Question.objects.get(pk=item["question"]).kind for item in paper]
    assert kinds == [
        "single",
        "single",
        "multiple",
        "multiple",
        "true_false",
        "true_false",
        "true_false",
    ]
    singles = Question.objects.filter(pk__in=[item["question"] for item in paper], kind="single")
    assert {q.difficulty for q in singles} == {4}
    assert {item["points"] for item in paper[:2]} == {2}


def test_the_same_seed_gives_the_same_paper_and_another_seed_another(random_exam: Exam) -> None:
    assert papers.draw(random_exam, seed=7) == papers.draw(random_exam, seed=7)
    drawn = {
        tuple((i["question"], tuple(i["options"])) for i in papers.draw(random_exam, seed=s))
        for s in range(12)
    }
    assert len(drawn) > 1


def test_options_are_shuffled_per_candidate_but_true_false_keeps_its_order(
    random_exam: Exam,
) -> None:
    orders = {tuple(papers.draw(random_exam, seed=s)[0]["options"]) for s in range(20)}
    assert len(orders) > 1
    for seed in range(5):
        for item in papers.draw(random_exam, seed=seed)[-3:]:
            assert item["options"] == ["T", "F"]


def test_a_rule_the_bank_cannot_satisfy_is_reported(random_exam: Exam) -> None:
    PaperRule.objects.create(exam=random_exam, position=4, kind="fill_in", count=5)
    assert papers.problems(random_exam)
    with pytest.raises(papers.PaperError):
        papers.draw(random_exam, seed=1)


def test_retired_questions_are_not_drawn(random_exam: Exam) -> None:
    Question.objects.filter(kind="single", difficulty=4).update(retired=True)
    assert papers.problems(random_exam)


def test_a_fixed_paper_keeps_its_order_when_not_shuffled(personas: Personas) -> None:
    paper = papers.draw(personas.formal, seed=3)
    texts = [Question.objects.get(pk=item["question"]).text for item in paper]
    assert texts == ["FORMAL question 1", "FORMAL question 2", "FORMAL question 3"]
    assert [item["points"] for item in paper] == [1, 2, 3]
    assert all(item["options"] == ["A", "B", "C", "D"] for item in paper)
