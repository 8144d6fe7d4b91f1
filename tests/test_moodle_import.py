"""Moodle XML files import choice, true/false, short-answer and essay questions; anything
broken or unsupported is reported with its position and nothing is imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from questionbank.importing import import_file
from questionbank.models import Subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/top/计算机基础/第一章 网络</text></category>
  </question>
  <question type="multichoice">
    <name><text>端口</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>HTTP 的默认端口是<b>哪个</b>？&nbsp;&lt;选一个&gt;</p>
      <script>alert("x")</script>]]></text></questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>见 RFC&nbsp;9110。</p>]]></text>
    </generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <single>true</single>
    <answer fraction="0" format="html"><text>21</text></answer>
    <answer fraction="100" format="html"><text><![CDATA[<p>80</p>]]></text></answer>
    <answer fraction="-25" format="html"><text>443</text></answer>
  </question>
  <question type="multichoice">
    <name><text>协议</text></name>
    <questiontext format="moodle_auto_format"><text>哪些是传输层协议？</text></questiontext>
    <defaultgrade>4</defaultgrade>
    <single>false</single>
    <answer fraction="50"><text>TCP</text></answer>
    <answer fraction="-100"><text>HTTP</text></answer>
    <answer fraction="50"><text>UDP</text></answer>
  </question>
  <question type="truefalse">
    <name><text>判断</text></name>
    <questiontext format="html"><text>IPv4 地址长 32 位。</text></questiontext>
    <answer fraction="100" format="moodle_auto_format"><text>true</text></answer>
    <answer fraction="0" format="moodle_auto_format"><text>false</text></answer>
  </question>
  <question type="shortanswer">
    <name><text>填空</text></name>
    <questiontext format="html"><text>HTTPS 的默认端口是____。</text></questiontext>
    <answer fraction="100"><text>443</text></answer>
    <answer fraction="100"><text>四四三</text></answer>
    <answer fraction="50"><text>8443</text></answer>
  </question>
  <question type="essay">
    <name><text>简答</text></name>
    <questiontext format="html">
      <text><![CDATA[简述 TCP 三次握手。<br>不少于 50 字。]]></text>
    </questiontext>
    <defaultgrade>10</defaultgrade>
    <graderinfo format="html"><text><![CDATA[<p>SYN, SYN-ACK, ACK</p>]]></text></graderinfo>
  </question>
</quiz>
"""


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="02141", name="计算机网络技术")


def test_a_moodle_file_imports_every_supported_type(subject: Subject) -> None:
    report = import_file(subject, GOOD.encode(), "moodle.xml", dry_run=False)

    assert report.ok, report.as_dict()
    assert report.file_format == "moodle-xml"
    assert report.counts() == {
        "single": 1,
        "multiple": 1,
        "true_false": 1,
        "fill_in": 1,
        "short_answer": 1,
    }
    single, multiple, true_false, fill_in, essay = subject.questions.order_by("id")
    assert single.text == "HTTP 的默认端口是哪个？ <选一个>"
    assert single.options == [
        {"key": "A", "text": "21"},
        {"key": "B", "text": "80"},
        {"key": "C", "text": "443"},
    ]
    assert (single.answer, single.points, single.explanation) == ("B", 2, "见 RFC 9110。")
    assert single.chapter == "第一章 网络"
    assert (multiple.answer, multiple.points) == (["A", "C"], 4)
    assert (true_false.answer, true_false.option_keys()) == ("T", ["T", "F"])
    assert fill_in.answer == [["443", "四四三"]]
    assert essay.text == "简述 TCP 三次握手。\n不少于 50 字。"
    assert (essay.kind, essay.answer, essay.points) == ("short_answer", "SYN, SYN-ACK, ACK", 10)


def test_a_broken_element_imports_nothing_and_says_where(subject: Subject) -> None:
    broken = GOOD.replace("<single>false</single>", "<single>false</single")
    with translation.override("en"):
        report = import_file(subject, broken.encode(), "broken.xml", dry_run=False)

    # The parser notices the unclosed tag where the next one begins.
    next_line = broken.splitlines().index("    <single>false</single") + 2
    assert len(report.issues) == 1
    issue = report.issues[0]
    assert issue.line == next_line
    assert issue.message.startswith(f"The XML is broken near line {next_line},")
    assert not subject.questions.exists()


def test_an_invalid_question_is_reported_by_index_and_name_and_nothing_is_imported(
    subject: Subject,
) -> None:
    no_right_answer = GOOD.replace(
        'fraction="100" format="html"><text><![CDATA[<p>80',
        'fraction="0" format="html"><text><![CDATA[<p>80',
    )
    with translation.override("en"):
        report = import_file(subject, no_right_answer.encode(), "bad.xml", dry_run=False)

    assert [(i.index, i.name, i.message) for i in report.issues] == [
        (2, "端口", "A single-choice question needs exactly one answer with fraction 100."),
    ]
    assert report.as_dict()["errors"][0]["position"] == "question 2 “端口”"
    assert not subject.questions.exists()


@pytest.mark.parametrize("kind", ["cloze", "matching", "numerical", "description", "ddwtos"])
def test_unsupported_types_are_named_with_their_position(subject: Subject, kind: str) -> None:
    data = GOOD.replace('<question type="truefalse">', f'<question type="{kind}">')
    with translation.override("en"):
        report = import_file(subject, data.encode(), "x.xml", dry_run=False)

    assert [(i.index, i.name) for i in report.issues] == [(4, "判断")]
    assert f"“{kind}” is not supported" in report.issues[0].message
    assert not subject.questions.exists()


def test_images_a_fractional_grade_and_wildcards_are_refused_rather_than_lost(
    subject: Subject,
) -> None:
    data = (
        GOOD.replace("IPv4 地址长 32 位。", '<![CDATA[<img src="@@PLUGINFILE@@/a.png">]]>')
        .replace("<defaultgrade>4</defaultgrade>", "<defaultgrade>0.5</defaultgrade>")
        .replace("<text>四四三</text>", "<text>44*</text>")
    )
    report = import_file(subject, data.encode(), "x.xml", dry_run=False)
    assert [i.index for i in report.issues] == [3, 4, 5]
    assert not subject.questions.exists()


def test_entities_and_dtds_are_refused(subject: Subject) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz><question type="essay"><name>'
        "<text>&b;</text></name></question></quiz>"
    )
    report = import_file(subject, bomb.encode(), "bomb.xml", dry_run=False)
    assert len(report.issues) == 1 and report.issues[0].index is None
    assert not subject.questions.exists()


def test_a_file_without_a_quiz_element_is_refused(subject: Subject) -> None:
    report = import_file(subject, b"<?xml version='1.0'?><html></html>", "x.xml", dry_run=False)
    assert len(report.issues) == 1


def test_a_fraction_outside_moodles_list_is_refused(subject: Subject) -> None:
    # Moodle's importer refuses 35 %; 33.333 % is within its tolerance of 33.33333 %.
    odd = GOOD.replace('fraction="50"><text>TCP', 'fraction="35"><text>TCP')
    report = import_file(subject, odd.encode(), "odd.xml", dry_run=False)
    assert [issue.index for issue in report.issues] == [3]
    assert "35" in report.issues[0].message
    assert not subject.questions.exists()
    near = GOOD.replace('fraction="50"><text>TCP', 'fraction="33.333"><text>TCP')
    assert import_file(subject, near.encode(), "near.xml", dry_run=True).ok


REAL = settings.SHARED_DATA_DIR / "questions"


@pytest.mark.skipif(not REAL.is_dir(), reason="no real question files in the shared data")
@pytest.mark.parametrize(
    "path",
    # QTI items (``*qti*.xml``) are XML too; tests/test_qti_import.py reads them.
    sorted(p for p in REAL.glob("*.xml") if "qti" not in p.name.lower()) if REAL.is_dir() else [],
    ids=lambda p: p.name,
)
def test_real_moodle_exports_are_read_question_by_question(subject: Subject, path: Path) -> None:
    # Files exported by Moodle itself: every question is read or refused with its position.
    report = import_file(subject, path.read_bytes(), path.name, dry_run=True)
    assert report.file_format == "moodle-xml"
    assert report.drafts or report.issues
    assert all(issue.index or issue.line for issue in report.issues)
