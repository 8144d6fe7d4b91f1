"""A subject's bank as a Moodle XML file that Moodle's importer and ``moodle.read`` both accept.

Texts are written with ``format="plain_text"`` (the bank keeps plain text), each chapter as a
``category`` element, multiple-choice right answers share 100 % in one of Moodle's fractions.
Moodle has no difficulty, so it is not carried; a fill-in question with more than one blank
has no Moodle XML counterpart (``shortanswer`` has one) and is left out and counted.
"""

from __future__ import annotations

from decimal import Decimal
from xml.etree.ElementTree import Element, SubElement, tostring

from questionbank.models import Question, Subject
from questionbank.moodle import valid_fraction

Kind = Question.Kind


def moodle_xml(subject: Subject) -> tuple[bytes, int]:
    """The active questions of ``subject`` as Moodle XML, and how many could not be written."""
    quiz = Element("quiz")
    chapter: str | None = None
    left_out = 0
    for question in subject.questions.active().order_by("chapter", "id"):
        if question.kind == Kind.FILL_IN and len(question.answer) != 1:
            left_out += 1
            continue
        if question.chapter != chapter:
            chapter = question.chapter
            category = SubElement(SubElement(quiz, "question", type="category"), "category")
            path = "$course$/top" + (f"/{chapter.replace('/', '//')}" if chapter else "")
            SubElement(category, "text").text = path
        _question(quiz, question)
    body = tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode(), left_out


def _text(parent: Element, tag: str, value: str) -> Element:
    element = SubElement(parent, tag, format="plain_text")
    SubElement(element, "text").text = value
    return element


def _question(quiz: Element, question: Question) -> None:
    kind = {
        Kind.SINGLE: "multichoice",
        Kind.MULTIPLE: "multichoice",
        Kind.TRUE_FALSE: "truefalse",
        Kind.FILL_IN: "shortanswer",
        Kind.SHORT_ANSWER: "essay",
    }[Kind(question.kind)]
    element = SubElement(quiz, "question", type=kind)
    SubElement(SubElement(element, "name"), "text").text = f"{question.subject.code}-{question.pk}"
    _text(element, "questiontext", question.text)
    _text(element, "generalfeedback", question.explanation)
    SubElement(element, "defaultgrade").text = str(question.points)
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        right = [question.answer] if question.kind == Kind.SINGLE else list(question.answer)
        share = valid_fraction(Decimal(100) / len(right)) or Decimal(100)
        SubElement(element, "single").text = "true" if question.kind == Kind.SINGLE else "false"
        SubElement(element, "shuffleanswers").text = "0"
        for option in question.options:
            fraction = share if option["key"] in right else Decimal(0)
            answer = SubElement(element, "answer", fraction=str(fraction), format="plain_text")
            SubElement(answer, "text").text = option["text"]
    elif question.kind == Kind.TRUE_FALSE:
        for value, key in (("true", "T"), ("false", "F")):
            answer = SubElement(
                element,
                "answer",
                fraction="100" if question.answer == key else "0",
                format="moodle_auto_format",
            )
            SubElement(answer, "text").text = value
    elif question.kind == Kind.FILL_IN:
        SubElement(element, "usecase").text = "0"
        for accepted in question.answer[0]:
            answer = SubElement(element, "answer", fraction="100", format="moodle_auto_format")
            SubElement(answer, "text").text = accepted
    else:
        grader = SubElement(element, "graderinfo", format="plain_text")
        SubElement(grader, "text").text = str(question.answer or "")
        SubElement(element, "responseformat").text = "editor"
