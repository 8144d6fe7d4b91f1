"""Dates and times are formatted per language, never "12:05 p.m..": English on a 24-hour clock
with the month spelled out, Chinese with its own characters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import formats, translation

MOMENT = dt.datetime(2026, 12, 3, 12, 5)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "3 December 2026, 12:05"), ("zh-hans", "2026年12月3日 12:05")],
)
def test_a_date_and_time_reads_right_in_each_language(language: str, expected: str) -> None:
    with translation.override(language):
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == expected
        sentence = Template(
            "{% load i18n %}{% blocktranslate with time=moment %}Submitted at {{ time }}."
            "{% endblocktranslate %}"
        ).render(Context({"moment": MOMENT}))
        assert ".." not in sentence and "p.m" not in sentence
        assert formats.time_format(MOMENT.time()) == "12:05"
