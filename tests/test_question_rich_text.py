"""Formatted question text (#12): HTML in imported questions is sanitised with an allow-list and
kept, images inside the file are checked by their content and kept, and everything else —
scripts, handlers, styles, links, remote, missing, mistyped or oversized images — is dropped or
refused with its position and reason, nothing written. The candidate's paper, the previews and
the exports carry the formatting."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import defusedxml.ElementTree as ElementTree
import pytest
from django.test import Client

from exams.models import PaperItem, Registration
from questionbank import export, moodle, qti, rich_text
from questionbank.importing import import_file
from questionbank.models import Question, Subject
from tests import personas as personas_module
from tests.conftest import candidate_client
from tests.personas import PASSWORD, Personas
from tests.rich_questions import moodle_file, picture, qti_package

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PNG = picture("PNG")


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@pytest.fixture
def subject() -> Subject:
    return Subject.objects.create(code="NET", name="计算机网络")


def imported(subject: Subject, data: bytes, name: str = "rich.xml") -> Question:
    report = import_file(subject, data, name, dry_run=False)
    assert report.ok, report.as_dict()
    assert report.imported == 1
    return subject.questions.order_by("id").last()  # type: ignore[return-value]


def test_a_moodle_question_keeps_its_formatting_and_image_and_loses_what_could_run(
    subject: Subject,
) -> None:
    question = imported(subject, moodle_file(image=PNG))

    html = question.text_html
    assert "<strong>哪种</strong>" in html
    assert "<table>" in html and "<th>节点</th>" in html and "<td>4</td>" in html
    # The image is the file's own bytes, as a data: URI, with its size and alternative text.
    assert f'<img src="{data_uri(PNG)}" alt="网络图" width="120">' in html
    for gone in ("script", "hacked", "onclick", "onerror", "steal", "style", "javascript", "<a"):
        assert gone not in html, gone
    assert "参考" in html  # a link's words stay, the link does not
    # The plain text beside it is what search, lists and marking read.
    assert question.text == "下图是哪种拓扑？\n[网络图]\n节点 连线\n4 4\n参考"
    assert question.explanation == "环形：首尾相连。"
    assert question.explanation_html == "<p>环形：<em>首尾相连</em>。</p>"
    # A plain option stays plain; a formatted one keeps its HTML beside its text.
    assert question.options == [
        {"key": "A", "text": "星形"},
        {"key": "B", "text": "环形", "html": "<p><b>环形</b></p>"},
        {"key": "C", "text": "总线"},
    ]
    assert question.answer == "B"
    assert Question.objects.matching("拓扑").get() == question


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            moodle_file(image=picture("GIF")),
            "The image “diagram.png” says it is PNG but its content is GIF; save it in the "
            "format its name says and import again.",
        ),
        (
            moodle_file(image=picture("PNG", size=(1300, 1300), noise=True)),
            "The image “diagram.png” is larger than 512 KB; make it smaller and import again.",
        ),
        (
            moodle_file(image=PNG, image_name="other.png"),
            "The image “diagram.png” is referenced but the file does not hold it.",
        ),
        (
            moodle_file(
                image=b"GIF89a but not really a picture",
                image_name="diagram.gif",
                reference="diagram.gif",
            ),
            "The image “diagram.gif” is not a PNG, JPEG, GIF or WebP picture that can be read.",
        ),
        (
            moodle_file(reference="x").replace(b"@@PLUGINFILE@@/x", b"https://example.org/net.png"),
            "The image “https://example.org/net.png” is a link to another site; the question "
            "file must hold its images, so the exam does not depend on other sites. Put the "
            "image in the file.",
        ),
    ],
    ids=["gif-declared-as-png", "5mb", "missing", "not-a-picture", "remote"],
)
def test_an_image_that_cannot_be_kept_is_refused_with_its_position_and_nothing_is_written(
    subject: Subject, settings, data: bytes, reason: str
) -> None:
    # The file limit is raised so that the image's own limit is what refuses the large one.
    settings.QUESTIONBANK_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    report = import_file(subject, data, "rich.xml", dry_run=False)

    assert [(i.index, i.name, i.message) for i in report.issues] == [(1, "拓扑", reason)]
    assert report.as_dict()["errors"][0]["position"] == "question 1 “拓扑”"
    assert report.imported == 0
    assert not Question.objects.exists()


def test_the_large_image_of_the_refusal_is_really_over_five_megabytes() -> None:
    assert len(picture("PNG", size=(1300, 1300), noise=True)) > 5 * 1024 * 1024 * 0.9


def test_a_link_to_an_attached_file_that_is_not_an_image_is_refused(subject: Subject) -> None:
    data = moodle_file(image=PNG).replace(
        b'<a href="javascript:steal()">', b'<a href="@@PLUGINFILE@@/notes.pdf">'
    )
    report = import_file(subject, data, "rich.xml", dry_run=False)
    assert [i.message for i in report.issues] == [
        "The text links to an attached file that is not shown as an image; only images shown "
        "in the text are kept."
    ]
    assert not Question.objects.exists()


def test_a_qti_package_keeps_the_images_it_holds(subject: Subject) -> None:
    jpeg = picture("JPEG")
    question = imported(subject, qti_package(jpeg, name="hosts 1.jpg"), "bank.zip")

    uri = data_uri(jpeg, "image/jpeg")
    assert "<strong>几</strong>" in question.text_html
    assert f'<img src="{uri}" alt="主机" width="80" height="40">' in question.text_html
    assert question.text == "图中是几台主机？\n[主机]"
    assert question.options[0] == {"key": "A", "text": "两台"}
    assert question.options[1]["text"] == "[三台] 三台"
    assert f'<img src="{uri}" alt="三台">' in question.options[1]["html"]
    assert question.answer == "B"


def test_a_qti_image_outside_the_package_or_of_another_type_is_refused(subject: Subject) -> None:
    outside = import_file(
        subject, qti_package(PNG, src="../../etc/passwd.png"), "a.zip", dry_run=False
    )
    [issue] = outside.issues
    assert issue.message == (
        "The image “../../etc/passwd.png” is referenced but the file does not hold it."
    )
    assert issue.position == "items/pic.xml, element <img>"
    mistyped = import_file(subject, qti_package(b"\x89PNG not at all"), "b.zip", dry_run=False)
    assert "is not a PNG, JPEG, GIF or WebP picture" in mistyped.issues[0].message
    assert not Question.objects.exists()


def test_a_gift_file_cannot_carry_images_and_says_what_to_do(subject: Subject) -> None:
    data = '::图::[html]<p>看图 <img src="a.png"></p>{=一 ~二}\n'.encode()
    report = import_file(subject, data, "a.gift", dry_run=False)
    assert [(i.line, i.message) for i in report.issues] == [
        (
            1,
            "A GIFT file cannot carry images or attached files. Export the question as Moodle XML "
            "(which holds its images) and import that file.",
        )
    ]
    formatted = import_file(
        subject, "[html]<p>很<b>重要</b></p>{T}\n".encode(), "b.gift", dry_run=False
    )
    assert formatted.ok
    assert subject.questions.get().text_html == "<p>很<b>重要</b></p>"


def test_the_candidate_whose_paper_holds_it_gets_the_formatted_text(personas: Personas) -> None:
    question = imported(personas.formal.subject, moodle_file(image=PNG))
    PaperItem.objects.filter(exam=personas.formal, position=1).update(question=question)
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = personas_module.answering(registration)

    state = candidate_client(personas).get(f"/api/exam/attempts/{attempt.pk}").json()

    first = state["questions"][0]
    assert first["id"] == question.pk
    assert "<strong>哪种</strong>" in first["html"] and "<td>4</td>" in first["html"]
    assert data_uri(PNG) in first["html"]
    assert "script" not in first["html"] and "onerror" not in first["html"]
    assert first["text"] == question.text
    assert [o["html"] for o in first["options"]] == ["星形", "<p><b>环形</b></p>", "总线"]
    # A question written as plain text reaches the page escaped, never as markup.
    plain = state["questions"][1]
    assert plain["html"] == "<p>FORMAL question 2</p>"


def test_markup_that_did_not_pass_the_sanitiser_never_reaches_a_page(personas: Personas) -> None:
    # A row written by another path (an old import, the database by hand): the page still
    # sanitises what it shows.
    question = Question.objects.get(subject=personas.formal.subject, text="FORMAL question 1")
    question.text_html = (
        '<p onclick="x()">甲<img src="https://example.org/a.png"><img src="javascript:x">'
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="><script>x()</script></p>'
    )
    question.options = [{"key": "A", "text": "a", "html": "<b onmouseover=x()>a</b><iframe>"}]
    question.save()
    registration = Registration.objects.get(exam=personas.formal, candidate=personas.carol)
    attempt = personas_module.answering(registration)

    first = candidate_client(personas).get(f"/api/exam/attempts/{attempt.pk}").json()
    shown = first["questions"][0]
    assert shown["html"] == "<p>甲<img><img><img></p>"
    assert shown["options"][0]["html"] == "<b>a</b>"

    staff = Client()
    assert staff.login(username="oscar", password=PASSWORD)
    page = staff.get(f"/questionbank/questions/{question.pk}/").content.decode()
    assert "example.org" not in page and "onclick" not in page and "data:image/svg" not in page


def test_the_preview_shows_the_formatting_and_the_image_to_the_banks_staff(
    personas: Personas,
) -> None:
    subject = Subject.objects.create(code="NET", name="计算机网络")
    question = imported(subject, moodle_file(image=PNG))
    staff = Client()
    assert staff.login(username="oscar", password=PASSWORD)

    page = staff.get(f"/questionbank/questions/{question.pk}/").content.decode()

    preview = page[page.index('id="question-preview"') :]
    assert "<strong>哪种</strong>" in preview and "<td>4</td>" in preview
    assert f'src="{data_uri(PNG)}"' in preview
    assert "<b>环形</b>" in preview and "<em>首尾相连</em>" in preview
    assert "window.hacked" not in page
    # Candidates and proctors cannot open the bank at all.
    proctor = Client()
    assert proctor.login(username="paula", password=PASSWORD)
    assert proctor.get(f"/questionbank/questions/{question.pk}/").status_code in (403, 404)


def test_the_editor_keeps_an_unchanged_texts_formatting_and_escapes_typed_text(
    personas: Personas,
) -> None:
    subject = Subject.objects.create(code="NET", name="计算机网络")
    question = imported(subject, moodle_file(image=PNG))
    formatted = question.text_html
    staff = Client()
    assert staff.login(username="oscar", password=PASSWORD)
    edit = f"/questionbank/questions/{question.pk}/edit/"
    form = {
        "action": "save",
        "text": question.text,
        "option_A": "星形",
        "option_B": "环形",
        "option_C": "总线",
        "answer": "B",
        "points": "3",
        "difficulty": "3",
        "chapter": "",
        "explanation": question.explanation,
    }

    assert staff.post(edit, form).status_code == 302
    question.refresh_from_db()
    assert question.points == 3
    assert question.text_html == formatted  # the image and the table are still there
    assert question.options[1]["html"] == "<p><b>环形</b></p>"

    form["text"] = "哪种拓扑 <b>不是标签</b>？\n第二行"
    assert staff.post(edit, form).status_code == 302
    question.refresh_from_db()
    assert question.text_html == "<p>哪种拓扑 &lt;b&gt;不是标签&lt;/b&gt;？</p><p>第二行</p>"


def test_moodle_xml_export_writes_the_html_and_its_images_back(subject: Subject) -> None:
    question = imported(subject, moodle_file(image=PNG))

    data, left_out = export.moodle_xml(subject)

    assert left_out == 0
    root = ElementTree.fromstring(data)
    text = root.find("question[@type='multichoice']/questiontext")
    assert text is not None and text.get("format") == "html"
    [file] = text.findall("file")
    assert base64.b64decode(file.text or "") == PNG
    assert f"@@PLUGINFILE@@/{file.get('name')}" in (text.findtext("text") or "")
    drafts, issues = moodle.read(data, "back.xml")
    assert not issues
    [draft] = drafts
    assert (draft.text, draft.text_html, draft.options) == (
        question.text,
        question.text_html,
        question.options,
    )
    assert draft.explanation_html == question.explanation_html


def test_qti_export_writes_the_html_and_puts_the_images_in_the_package(subject: Subject) -> None:
    question = imported(subject, qti_package(picture("JPEG"), name="hosts 1.jpg"), "bank.zip")

    data, _left_out = export.qti_package(subject)

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(re.fullmatch(r"items/images/q\d+-\d\.jpg", name) for name in names), names
    drafts, issues = qti.read(data, "back.zip")
    assert not issues
    [draft] = drafts
    assert (draft.text, draft.text_html, draft.options) == (
        question.text,
        question.text_html,
        question.options,
    )


def test_the_sanitiser_keeps_the_allow_list_only() -> None:
    kept = rich_text.clean(
        "<h2>题</h2><p>H<sub>2</sub>O, x<sup>2</sup>, <u>下划线</u>, <i>斜</i></p>"
        "<ul><li>一</li></ul><ol><li>二</li></ol><pre><code>a &lt; b</code></pre>"
        '<table><thead><tr><th scope="col" class="x">甲</th></tr></thead>'
        '<tbody><tr><td colspan="2" rowspan="x" id="y">乙</td></tr></tbody></table>'
        '<form action="/x"><input name="a"><button>go</button></form>'
        "<iframe src='https://example.org'></iframe><style>p{}</style><!-- note -->"
    )
    assert kept.html == (
        "<h2>题</h2><p>H<sub>2</sub>O, x<sup>2</sup>, <u>下划线</u>, <i>斜</i></p>"
        "<ul><li>一</li></ul><ol><li>二</li></ol><pre><code>a &lt; b</code></pre>"
        '<table><thead><tr><th scope="col">甲</th></tr></thead>'
        '<tbody><tr><td colspan="2">乙</td></tr></tbody></table>go'
    )
    assert kept.text == "题\nH2O, x2, 下划线, 斜\n一\n二\na < b\n甲\n乙\ngo"
    cut_off = PNG[: len(PNG) - 20]
    with pytest.raises(rich_text.ImageRefused, match="is not a PNG, JPEG, GIF or WebP picture"):
        rich_text.clean(f'<img src="{data_uri(cut_off)}">')
    embedded = rich_text.clean(f'<img src="{data_uri(PNG)}">')
    assert embedded.html == f'<img src="{data_uri(PNG)}">'
    with pytest.raises(rich_text.ImageRefused, match="says it is PNG but its content is GIF"):
        rich_text.clean(f'<img src="{data_uri(picture("GIF"))}">')


def test_two_questions_differing_only_in_their_image_are_both_imported(subject: Subject) -> None:
    imported(subject, moodle_file(image=PNG))
    other = picture("PNG", size=(8, 8))
    second = import_file(subject, moodle_file(image=other), "again.xml", dry_run=False)
    assert second.ok, second.as_dict()
    # The same file again is the same question, refused as such.
    again = import_file(subject, moodle_file(image=other), "again.xml", dry_run=False)
    assert [i.message for i in again.issues] == ["This question is already in the bank."]
    assert subject.questions.count() == 2


def test_a_formatted_fill_in_question_exports_to_qti_with_its_blanks_in_place(
    subject: Subject,
) -> None:
    question = Question.objects.create(
        subject=subject,
        kind=Question.Kind.FILL_IN,
        text="协议 TCP 的端口 ____ 和 UDP 的端口 ____。",
        text_html="<p>协议 <b>TCP</b> 的端口 ____ 和 <i>UDP</i> 的端口 ____。</p>",
        answer=[["80"], ["53"]],
    )

    package, _left_out = export.qti_package(subject)

    drafts, issues = qti.read(package, "back.zip")
    assert not issues
    [back] = drafts
    assert back.answer == [["80"], ["53"]]
    assert back.text == question.text
    assert back.text_html == question.text_html
