"""Choice options are shuffled per candidate; true/false keeps its order."""

from __future__ import annotations

import random

from questionbank.answers import option_order
from tests import qbank_builders as build


def test_choice_options_are_a_permutation_that_the_seed_repeats() -> None:
    question = build.multiple()
    order = option_order(question, random.Random(7))
    assert sorted(order) == ["A", "B", "C", "D", "E"]
    assert option_order(question, random.Random(7)) == order


def test_different_candidates_see_different_orders() -> None:
    question = build.single()
    orders = {tuple(option_order(question, random.Random(seed))) for seed in range(50)}
    assert len(orders) > 10


def test_shuffling_does_not_reorder_the_question_itself() -> None:
    question = build.single()
    option_order(question, random.Random(1))
    assert question.option_keys() == ["A", "B", "C", "D"]


def test_true_false_is_not_shuffled() -> None:
    question = build.true_false()
    assert {tuple(option_order(question, random.Random(s))) for s in range(20)} == {("T", "F")}


def test_questions_without_options_have_no_order() -> None:
    assert option_order(build.fill_in(), random.Random(1)) == []
    assert option_order(build.short_answer(), random.Random(1)) == []
