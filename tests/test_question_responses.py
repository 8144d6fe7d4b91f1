"""What a candidate sends is validated and normalised per kind (questionbank.answers)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from questionbank.answers import InvalidResponse, clean_response
from tests import qbank_builders as build


@pytest.mark.parametrize(
    "question",
    [build.single(), build.multiple(), build.true_false(), build.fill_in(), build.short_answer()],
    ids=lambda q: q.kind,
)
def test_none_clears_the_answer_of_every_kind(question: Any) -> None:
    assert clean_response(question, None) is None


def test_a_single_choice_takes_one_known_key() -> None:
    assert clean_response(build.single(), "C") == "C"


@pytest.mark.parametrize("raw", ["E", "b", " B", "", ["B"], 1, True, {"key": "B"}, 1.5])
def test_a_single_choice_refuses_anything_but_a_known_key(raw: Any) -> None:
    with pytest.raises(InvalidResponse) as error:
        clean_response(build.single(), raw)
    assert error.value.message


def test_a_multiple_choice_is_returned_sorted() -> None:
    assert clean_response(build.multiple(), ["D", "A", "B"]) == ["A", "B", "D"]


def test_an_empty_multiple_choice_is_the_same_as_cleared() -> None:
    assert clean_response(build.multiple(), []) is None


@pytest.mark.parametrize(
    "raw", ["A", ["A", "A"], ["A", "Z"], ["A", 1], [["A"]], {"A": True}, "AB", [None]]
)
def test_a_multiple_choice_refuses_repeats_unknown_keys_and_other_types(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        clean_response(build.multiple(), raw)


@pytest.mark.parametrize(("raw", "expected"), [("T", "T"), ("F", "F"), (True, "T"), (False, "F")])
def test_a_true_false_answer_is_t_or_f(raw: Any, expected: str) -> None:
    assert clean_response(build.true_false(), raw) == expected


@pytest.mark.parametrize("raw", ["t", "true", "A", 1, 0, "", ["T"]])
def test_a_true_false_answer_refuses_anything_else(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        clean_response(build.true_false(), raw)


def test_fill_in_blanks_are_stripped_one_per_blank() -> None:
    assert clean_response(build.fill_in(), ["  80 ", None]) == ["80", ""]


def test_fill_in_with_every_blank_empty_is_the_same_as_cleared() -> None:
    assert clean_response(build.fill_in(), [" ", ""]) is None


@pytest.mark.parametrize(
    "raw",
    [
        ["80"],  # too few blanks
        ["80", "443", "8080"],  # too many
        "80",
        [80, "443"],
        [["80"], "443"],
        ["8\x000", "443"],  # NUL: PostgreSQL's jsonb cannot store it
        ["80\n", "443"],  # a blank is one line
        ["\ud800", "443"],  # a lone surrogate
    ],
)
def test_fill_in_refuses_the_wrong_number_of_blanks_and_bad_text(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        clean_response(build.fill_in(), raw)


@override_settings(QUESTIONBANK_FILL_IN_MAX_CHARS=5)
def test_fill_in_refuses_a_blank_over_the_length_limit() -> None:
    assert clean_response(build.fill_in(), ["12345", ""]) == ["12345", ""]
    with pytest.raises(InvalidResponse) as error:
        clean_response(build.fill_in(), ["123456", ""])
    assert "5" in error.value.message


def test_a_short_answer_keeps_its_lines_with_unix_line_ends() -> None:
    assert clean_response(build.short_answer(), "第一，\r\n第二。\r\t完") == "第一，\n第二。\n\t完"


def test_a_blank_short_answer_is_the_same_as_cleared() -> None:
    assert clean_response(build.short_answer(), " \n\t ") is None


@override_settings(QUESTIONBANK_SHORT_ANSWER_MAX_CHARS=10)
def test_a_short_answer_over_the_length_limit_is_refused() -> None:
    assert clean_response(build.short_answer(), "一" * 10) == "一" * 10
    with pytest.raises(InvalidResponse):
        clean_response(build.short_answer(), "一" * 11)


@pytest.mark.parametrize("raw", [42, ["text"], {"text": "a"}, True, "a\x00b", "a\x1bb", "\udfff"])
def test_a_short_answer_refuses_non_text_and_control_characters(raw: Any) -> None:
    with pytest.raises(InvalidResponse):
        clean_response(build.short_answer(), raw)


def test_the_error_message_is_translated_into_the_active_language() -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(InvalidResponse) as english:
        clean_response(build.single(), "Z")
    assert english.value.message == "The answer is not one of this question's options."
