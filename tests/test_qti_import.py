"""QTI 2.1 and QTI 3.0 items import as single, multiple, true/false, fill-in and short-answer
questions, one file or a content package, through ``import_file``; unsupported interactions,
images and declarations the specification forbids are refused with the file and element, and
nothing is imported."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from questionbank import qti
from questionbank.importing import GIFT, MOODLE, QTI, XLSX, detect_format, import_file
from questionbank.models import Question, Subject
from questionbank.reports import Issue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FIXTURES = Path(__file__).parent / "fixtures" / "questions"
Kind = Question.Kind

# Hand-written for these tests.
V2 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
V3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"


def item21(declarations: str, body: str, outcome: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="{V2}" identifier="i" title="t" adaptive="false" timeDependent="false">
  {declarations}
  {outcome}
  <itemBody>{body}</itemBody>
</assessmentItem>
""".encode()


def item30(declarations: str, body: str, outcome: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="{V3}" identifier="i" title="t" adaptive="false"
    time-dependent="false">
  {declarations}
  {outcome}
  <qti-item-body>{body}</qti-item-body>
</qti-assessment-item>
""".encode()


SINGLE_21 = item21(
    """<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
      <correctResponse><value>c80</value></correctResponse>
    </responseDeclaration>""",
    """<p>HTTP 的默认端口是<em>哪个</em>？</p>
    <choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">
      <simpleChoice identifier="c21">21</simpleChoice>
      <simpleChoice identifier="c80">80</simpleChoice>
      <simpleChoice identifier="c443">443<feedbackInline outcomeIdentifier="F"
          identifier="c443" showHide="show">HTTPS</feedbackInline></simpleChoice>
    </choiceInteraction>""",
)

TRUE_FALSE_30 = item30(
    """<qti-response-declaration identifier="R" cardinality="single" base-type="identifier">
      <qti-correct-response><qti-value>no</qti-value></qti-correct-response>
    </qti-response-declaration>""",
    """<qti-choice-interaction response-identifier="R" max-choices="1">
      <qti-prompt>IPv6 地址长 64 位。</qti-prompt>
      <qti-simple-choice identifier="yes">正确</qti-simple-choice>
      <qti-simple-choice identifier="no">错误</qti-simple-choice>
    </qti-choice-interaction>""",
    """<qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"
        normal-maximum="2"/>""",
)

ESSAY_30 = item30(
    """<qti-response-declaration identifier="ESSAY" cardinality="single" base-type="string">
      <qti-correct-response><qti-value>分层，便于替换每一层。</qti-value></qti-correct-response>
    </qti-response-declaration>""",
    """<div><p>简述网络分层的好处。</p><p>不少于 50 字。</p></div>
    <qti-extended-text-interaction response-identifier="ESSAY" expected-lines="5"/>""",
    """<qti-outcome-declaration identifier="MAXSCORE" cardinality="single" base-type="float">
      <qti-default-value><qti-value>10</qti-value></qti-default-value>
    </qti-outcome-declaration>""",
)

ESSAY_21_NO_ANSWER = item21(
    '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string"/>',
    '<p>谈谈你对 TCP 的理解。</p><extendedTextInteraction responseIdentifier="RESPONSE"/>',
)


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="02141", name="计算机网络技术")


def _package(files: dict[str, bytes], manifest: str | None = None) -> bytes:
    if manifest is None:
        resources = "".join(
            f'<resource identifier="r{n}" type="imsqti_item_xmlv3p0" href="{name}">'
            f'<file href="{name}"/></resource>'
            for n, name in enumerate(files)
        )
        manifest = (
            '<?xml version="1.0"?><manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/'
            f'imscp_v1p1" identifier="m"><organizations/><resources>{resources}</resources>'
            "</manifest>"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_each_kind_is_read_from_qti_21_and_30(subject: Subject) -> None:
    files = {
        "choice-qti21.xml": (FIXTURES / "choice-qti21.xml").read_bytes(),
        "blanks-qti30.xml": (FIXTURES / "blanks-qti30.xml").read_bytes(),
        "single.xml": SINGLE_21,
        "tf.xml": TRUE_FALSE_30,
        "essay.xml": ESSAY_30,
        "essay2.xml": ESSAY_21_NO_ANSWER,
    }
    read = {}
    for name, data in files.items():
        assert detect_format(data, name) == QTI
        report = import_file(subject, data, name, dry_run=True)
        assert report.ok, report.as_dict()
        [read[name]] = report.drafts

    multiple = read["choice-qti21.xml"]
    assert (multiple.kind, multiple.answer, multiple.points) == (Kind.MULTIPLE, ["A", "C"], 2)
    assert multiple.text == "哪些是传输层协议？<多选>\n选出所有正确的答案。"
    assert [o["text"] for o in multiple.options] == ["TCP", "HTTP", "UDP"]

    blanks = read["blanks-qti30.xml"]
    assert blanks.kind == Kind.FILL_IN
    assert blanks.text == "HTTP 的默认端口是 ____， HTTPS 的是 ____。"
    # The correct response and every mapping entry worth points; 8080 (0 points) is not.
    assert blanks.answer == [["80", "八十"], ["443"]]
    assert blanks.points == 3  # no normalMaximum: the mappings' upper bounds, 2 + 1

    single = read["single.xml"]
    assert (single.kind, single.answer, single.points) == (Kind.SINGLE, "B", 1)
    assert single.text == "HTTP 的默认端口是哪个？"
    assert [o["text"] for o in single.options] == ["21", "80", "443"]  # feedback dropped

    true_false = read["tf.xml"]
    assert (true_false.kind, true_false.answer, true_false.points) == (Kind.TRUE_FALSE, "F", 2)
    assert true_false.text == "IPv6 地址长 64 位。"

    essay = read["essay.xml"]
    assert (essay.kind, essay.answer, essay.points) == (
        Kind.SHORT_ANSWER,
        "分层，便于替换每一层。",
        10,
    )
    assert essay.text == "简述网络分层的好处。\n不少于 50 字。"
    assert read["essay2.xml"].answer == ""


def test_a_content_package_imports_all_its_items(subject: Subject) -> None:
    data = _package({"items/a.xml": SINGLE_21, "items/b.xml": TRUE_FALSE_30})
    assert detect_format(data, "bank.zip") == QTI

    report = import_file(subject, data, "bank.zip", dry_run=False, actor=None)

    assert report.ok, report.as_dict()
    assert report.imported == 2
    assert sorted(subject.questions.values_list("kind", flat=True)) == ["single", "true_false"]
    assert subject.questions.get(kind="single").source == "bank.zip:items/a.xml"


def test_one_bad_item_in_a_package_imports_nothing_and_is_named(subject: Subject) -> None:
    order = item21(
        '<responseDeclaration identifier="O" cardinality="ordered" baseType="identifier"/>',
        """<orderInteraction responseIdentifier="O">
          <simpleChoice identifier="a">甲</simpleChoice>
          <simpleChoice identifier="b">乙</simpleChoice></orderInteraction>""",
    )
    data = _package({"items/a.xml": SINGLE_21, "items/order.xml": order})

    report = import_file(subject, data, "bank.zip", dry_run=False)

    [issue] = report.issues
    assert issue.message == "The interaction “orderInteraction” is not supported."
    assert (issue.part, issue.element) == ("items/order.xml", 'orderInteraction "O"')
    assert issue.position == 'items/order.xml, element <orderInteraction "O">'
    assert not subject.questions.exists()


@pytest.mark.parametrize(
    ("element", "written"),
    [
        (
            '<matchInteraction responseIdentifier="R" maxAssociations="2"/>',
            "matchInteraction",
        ),
        ('<hotspotInteraction responseIdentifier="R" maxChoices="1"/>', "hotspotInteraction"),
        ('<gapMatchInteraction responseIdentifier="R"/>', "gapMatchInteraction"),
        ('<p>选 <inlineChoiceInteraction responseIdentifier="R"/></p>', "inlineChoiceInteraction"),
    ],
)
def test_other_qti_21_interactions_are_refused(
    subject: Subject, element: str, written: str
) -> None:
    data = item21(
        '<responseDeclaration identifier="R" cardinality="single" baseType="identifier"/>',
        element,
    )
    [issue] = import_file(subject, data, "x.xml", dry_run=True).issues
    assert issue.message == f"The interaction “{written}” is not supported."
    assert issue.element == f'{written} "R"'


def test_qti_30_interactions_are_refused_with_their_own_names(subject: Subject) -> None:
    data = item30(
        '<qti-response-declaration identifier="R" cardinality="ordered" base-type="identifier"/>',
        '<qti-order-interaction response-identifier="R"/>',
    )
    [issue] = import_file(subject, data, "x.xml", dry_run=True).issues
    assert issue.message == "The interaction “qti-order-interaction” is not supported."
    assert issue.position == 'x.xml, element <qti-order-interaction "R">'


def test_an_image_a_lone_item_file_cannot_hold_and_other_media_are_refused(
    subject: Subject,
) -> None:
    # A lone item file has no package to hold its image files.
    data = SINGLE_21.replace(b"<em>", b'<img src="a.png" alt="a"/><em>')
    [issue] = import_file(subject, data, "img.xml", dry_run=True).issues
    assert issue.message == "The image “a.png” is referenced but the file does not hold it."
    assert issue.element == "img"
    in_choice = SINGLE_21.replace(b">21<", b'><object data="a.svg"/><')
    [issue] = import_file(subject, in_choice, "img.xml", dry_run=True).issues
    assert issue.element == "object"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (b'responseIdentifier="RESPONSE"', b'responseIdentifier="OTHER"'),
            "No responseDeclaration has the identifier “OTHER” this interaction answers.",
        ),
        (
            (b"<value>c80</value>", b"<value>c81</value>"),
            "The correct value “c81” is not the identifier of one of the choices.",
        ),
        (
            (b"<value>c80</value>", b"<value>c80</value><value>c21</value>"),
            "The cardinality is single but the correct response has 2 values.",
        ),
        (
            (b"<correctResponse><value>c80</value></correctResponse>", b""),
            "The response declaration gives no correct response.",
        ),
        (
            (b'identifier="c21"', b'identifier="c80"'),
            "Two choices have the same identifier; each needs its own.",
        ),
        (
            (b'maxChoices="1"', b'maxChoices="2"'),
            "The response is single but the interaction allows 2 choices (maxChoices).",
        ),
    ],
)
def test_declarations_are_checked_as_the_specification_requires(
    subject: Subject, change: tuple[bytes, bytes], message: str
) -> None:
    data = SINGLE_21.replace(*change)
    assert data != SINGLE_21
    [issue] = import_file(subject, data, "bad.xml", dry_run=True).issues
    assert issue.message == message
    assert issue.part == "bad.xml" and issue.element


def test_points_must_be_whole(subject: Subject) -> None:
    data = TRUE_FALSE_30.replace(b'normal-maximum="2"', b'normal-maximum="1.5"')
    [issue] = import_file(subject, data, "p.xml", dry_run=True).issues
    assert issue.message == "Points must be a whole number; the item's maximum score is 1.5."


def test_broken_xml_and_dtds_are_refused(subject: Subject) -> None:
    broken = SINGLE_21.replace(b"</itemBody>", b"")
    assert detect_format(broken, "b.xml") == QTI
    [issue] = import_file(subject, broken, "b.xml", dry_run=True).issues
    assert issue.line and issue.position.startswith("b.xml, line ")
    entity = (
        b'<?xml version="1.0"?><!DOCTYPE assessmentItem [<!ENTITY x "y">]>'
        + SINGLE_21.split(b"?>", 1)[1]
    )
    [issue] = qti.read(entity, "e.xml")[1]
    assert issue.message == "The file declares a DTD or entities, which are not accepted."


def test_package_problems(subject: Subject) -> None:
    missing = _package({"items/a.xml": SINGLE_21})
    with zipfile.ZipFile(io.BytesIO(missing)) as archive:
        manifest = archive.read("imsmanifest.xml").decode()
    gone = _package({}, manifest)
    [issue] = import_file(subject, gone, "p.zip", dry_run=True).issues
    assert issue.message == "The manifest lists this item but the package does not hold it."
    assert issue.part == "items/a.xml"

    empty = _package({}, '<manifest identifier="m"><resources/></manifest>')
    [issue] = import_file(subject, empty, "p.zip", dry_run=True).issues
    assert issue.message == "The manifest lists no QTI items (resources of type imsqti_item_…)."


def test_a_zip_bomb_package_is_refused_before_unpacking(subject: Subject, settings) -> None:
    settings.SPREADSHEET_MAX_RATIO = 50
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", "<manifest/>")
        archive.writestr("items/a.xml", b" " * (5 * 1024 * 1024))
    [issue] = import_file(subject, buffer.getvalue(), "bomb.zip", dry_run=True).issues
    assert issue.message == (
        "The package is packed far tighter than question files can be, so it is not read."
    )


def test_formats_are_told_apart() -> None:
    assert detect_format((FIXTURES / "good.gift").read_bytes(), "good.gift") == GIFT
    assert detect_format(b'<?xml version="1.0"?>\n<quiz></quiz>', "q.xml") == MOODLE
    prefixed = b'<?xml version="1.0"?><!-- c --><q:qti-assessment-item xmlns:q="' + V3.encode()
    assert detect_format(prefixed + b'"/>', "q.xml") == QTI
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert detect_format(buffer.getvalue(), "x.xlsx") == XLSX


def test_a_prefixed_qti_21_item_is_read(subject: Subject) -> None:
    data = (
        b'<?xml version="1.0"?><q:assessmentItem xmlns:q="' + V2.encode() + b'" identifier="i">'
        b'<q:responseDeclaration identifier="R" cardinality="single" baseType="identifier">'
        b"<q:correctResponse><q:value>t</q:value></q:correctResponse></q:responseDeclaration>"
        b"<q:itemBody><q:p>\xe5\x9c\xb0\xe7\x90\x83\xe6\x98\xaf\xe5\x9c\x86\xe7\x9a\x84</q:p>"
        b'<q:choiceInteraction responseIdentifier="R" maxChoices="1">'
        b'<q:simpleChoice identifier="t">True</q:simpleChoice>'
        b'<q:simpleChoice identifier="f">False</q:simpleChoice>'
        b"</q:choiceInteraction></q:itemBody></q:assessmentItem>"
    )
    report = import_file(subject, data, "p.xml", dry_run=True)
    [draft] = report.drafts
    assert (draft.kind, draft.answer, draft.text) == (Kind.TRUE_FALSE, "T", "地球是圆的")


def test_the_messages_are_translated(subject: Subject) -> None:
    from django.utils import translation

    data = SINGLE_21.replace(b"<value>c80</value>", b"<value>c81</value>")
    with translation.override("zh-hans"):
        [issue] = import_file(subject, data, "bad.xml", dry_run=True).issues
        assert "c81" in issue.message and "The correct" not in issue.message
        assert "bad.xml" in issue.position and "element" not in issue.position


def test_issue_positions_for_items() -> None:
    assert Issue("m", part="a.xml").position == "a.xml"
    assert Issue("m", part="a.xml", line=3).as_dict()["position"] == "a.xml, line 3"


REAL = settings.SHARED_DATA_DIR / "questions"


def shared_qti_files() -> list[Path]:
    if not REAL.is_dir():
        return []
    packages = [p for p in sorted(REAL.glob("*.zip")) if qti.looks_like(p.read_bytes())]
    return packages + sorted(REAL.glob("*qti*.xml"))


@pytest.mark.skipif(not shared_qti_files(), reason="no real QTI files in the shared data")
@pytest.mark.parametrize("path", shared_qti_files(), ids=lambda p: p.name)
def test_real_qti_files_are_read_item_by_item(subject: Subject, path: Path) -> None:
    # Files written by other software (TAO, 1EdTech's examples): every item is read, or refused
    # naming its file.
    report = import_file(subject, path.read_bytes(), path.name, dry_run=True)
    assert report.file_format == QTI
    assert report.drafts or report.issues
    assert all(issue.part for issue in report.issues), report.as_dict()


def test_the_command_imports_a_qti_package(subject: Subject, tmp_path: Path) -> None:
    from tests.test_import_questions_command import run

    path = tmp_path / "题库.zip"
    path.write_bytes(_package({"items/a.xml": SINGLE_21, "items/b.xml": ESSAY_30}))
    status, out, err = run(str(path), "--subject", subject.code, "--json")
    assert status == 0, err
    assert '"format": "qti"' in out
    assert subject.questions.count() == 2


def test_the_import_page_checks_then_imports_a_qti_package(
    personas: object, subject: Subject
) -> None:
    from django.test import Client

    from tests.personas import PASSWORD
    from tests.test_question_import_page import confirm, finished_job_page, token_of, upload

    client = Client()
    assert client.login(username="oscar", password=PASSWORD)
    assert ".zip" in client.get(f"/questionbank/{subject.code}/import/").content.decode()
    bad = _package(
        {"items/a.xml": SINGLE_21, "items/m.xml": SINGLE_21.replace(b"<em>", b"<img/><em>")}
    )
    refused = upload(client, subject, bad, "bank.zip")
    page = refused.content.decode()
    assert "items/m.xml, element &lt;img&gt;" in page
    assert 'name="token"' not in page

    preview = upload(client, subject, _package({"items/a.xml": SINGLE_21}), "bank.zip")
    assert preview.context["report"].counts()["single"] == 1
    confirmed = finished_job_page(client, confirm(client, subject, token_of(preview)))
    assert 'data-code="imported"' in confirmed.content.decode()
    assert subject.questions.count() == 1


def test_a_manifest_href_is_a_relative_uri(subject: Subject) -> None:
    manifest = (
        '<manifest><resources><resource identifier="r" type="imsqti_item_xmlv2p1" '
        'href="./items/item%201.xml"/><resource identifier="t" type="imsqti_test_xmlv2p1" '
        'href="test.xml"/></resources></manifest>'
    )
    data = _package({"items/item 1.xml": b"\xef\xbb\xbf" + SINGLE_21}, manifest)
    report = import_file(subject, data, "p.zip", dry_run=True)
    assert report.ok, report.as_dict()
    assert len(report.drafts) == 1  # the test resource is not an item
