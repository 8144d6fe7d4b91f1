"""Objective questions are scored automatically; short answers are left to a marker."""

from __future__ import annotations

from typing import Any

import pytest

from questionbank.answers import normalise_blank, score
from tests import qbank_builders as build


def test_a_single_choice_scores_all_its_points_or_none() -> None:
    question = build.single()
    assert score(question, "B") == 2
    assert score(question, "A") == 0
    assert score(question, None) == 0


def test_true_false_scores_the_exact_answer() -> None:
    question = build.true_false()
    assert score(question, "T") == 1
    assert score(question, "F") == 0


@pytest.mark.parametrize(
    ("response", "expected"),
    [(["A", "B", "D"], 6), (["D", "B", "A"], 6), (["A", "B"], 0), (["A", "B", "C", "D"], 0)],
)
def test_a_multiple_choice_is_all_or_nothing_by_default(response: Any, expected: int) -> None:
    assert score(build.multiple(), response) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (["A", "B", "D"], 6),
        (["A", "B"], 4),  # two of three right keys: 6 × 2/3
        (["D"], 2),
        (["A", "B", "C"], 0),  # a wrong key scores nothing
        (["C"], 0),
        (None, 0),
    ],
)
def test_partial_credit_gives_the_share_of_right_keys_unless_a_wrong_one_is_chosen(
    response: Any, expected: int
) -> None:
    assert score(build.multiple(), response, partial_credit=True) == expected


def test_partial_credit_rounds_down() -> None:
    question = build.multiple(points=4)
    assert score(question, ["A", "B"], partial_credit=True) == 2  # 4 × 2/3 = 2.67


def test_fill_in_splits_the_points_across_the_blanks() -> None:
    question = build.fill_in()
    assert score(question, ["80", "443"]) == 4
    assert score(question, ["80", "8443"]) == 2
    assert score(question, ["", "四四三"]) == 2
    assert score(question, ["81", "444"]) == 0


def test_fill_in_rounds_each_share_down_so_it_never_gives_more_than_its_points() -> None:
    question = build.fill_in(points=3, answer=[["a"], ["b"]])
    assert score(question, ["a", ""]) == 1
    assert score(question, ["a", "b"]) == 3


def test_fill_in_ignores_full_width_case_and_surrounding_spaces() -> None:
    question = build.fill_in(answer=[["TCP/IP"], ["Ｗｅｂ 服务器"]])
    assert score(question, ["ｔｃｐ／ｉｐ", "\u3000web   服务器 "]) == 4


def test_normalising_a_blank_folds_width_case_and_spaces() -> None:
    assert normalise_blank("\u3000ＡＢＣ　１２３ ") == "abc 123"


def test_a_short_answer_is_left_to_a_marker() -> None:
    assert score(build.short_answer(), "考生承诺遵守考试纪律。") is None
    assert score(build.short_answer(), None) is None


@pytest.mark.parametrize(
    ("question", "response"),
    [
        (build.single(), "Z"),
        (build.single(), ["B"]),
        (build.multiple(), "A"),
        (build.true_false(), 1),
        (build.fill_in(), ["80"]),
        (build.fill_in(), "80"),
    ],
)
def test_a_stored_response_that_no_longer_fits_scores_zero_instead_of_failing(
    question: Any, response: Any
) -> None:
    assert score(question, response) == 0
