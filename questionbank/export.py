"""A subject's bank as a Moodle XML file that Moodle's importer and ``moodle.read`` both accept,
or as a QTI 3.0 content package that ``qti.read`` reads back.

A text with formatting (``text_html``, ``explanation_html``, an option's ``html``) is written
with ``format="html"``, its images as Moodle writes them — ``<file encoding="base64">`` elements
referenced by ``@@PLUGINFILE@@/name`` — so Moodle and ``moodle.read`` both get them back; a text
without formatting is written as ``format="plain_text"``. Each chapter is a ``category``
element; multiple-choice right answers share 100 % in one of Moodle's fractions.
Moodle has no difficulty, so it is not carried; a fill-in question with more than one blank
has no Moodle XML counterpart (``shortanswer`` has one) and is left out and counted.

The QTI 3.0 package (``qti_package``) is a zip of ``imsmanifest.xml`` and one
``qti-assessment-item`` per active question under ``items/``: choice questions (true or false
too, its choices 正确/错误) as a ``qti-choice-interaction`` with the option keys as identifiers,
fill-in questions with a ``qti-text-entry-interaction`` in place of each blank (its first
accepted text the correct response, every accepted text a mapping entry worth the blank's share
of the points), short answers as a ``qti-extended-text-interaction`` whose correct response is
the reference answer; the points are ``SCORE``'s ``normal-maximum``. Formatted texts are written
as XHTML in the item body and the choices, their images as files of the package
(``items/images/``) that the item's ``<img>`` elements name. QTI items have no chapter,
difficulty or explanation field the platform would read back, so those are not carried.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, SubElement, tostring

from questionbank import rich_text
from questionbank.models import Question, Subject
from questionbank.moodle import valid_fraction
from questionbank.qti import QTI30_NS
from questionbank.shapes import BLANK_MARK

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


_IMAGE_SRC = re.compile(r'src="data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/=]+)"')
_EXTENSIONS = {"png": "png", "jpeg": "jpg", "gif": "gif", "webp": "webp"}


def formatted(html: str, text: str) -> str | None:
    """The HTML to export for a text, or None when it says no more than its plain text (a
    question typed in the editor or read from a spreadsheet): that is exported as plain text,
    exactly as it is."""
    if not html.strip() or html == rich_text.from_plain(text):
        return None
    return rich_text.sanitise(html)


def _rich(parent: Element, tag: str, html: str | None, text: str, **attributes: str) -> Element:
    """A Moodle text element: HTML with its images as ``<file>`` elements, or plain text."""
    if html is None:
        element = SubElement(parent, tag, attributes, format="plain_text")
        SubElement(element, "text").text = text
        return element
    element = SubElement(parent, tag, attributes, format="html")
    files: list[tuple[str, str]] = []

    def to_file(match: re.Match[str]) -> str:
        name = f"image-{len(files) + 1}.{_EXTENSIONS[match[1]]}"
        files.append((name, match[2]))
        return f'src="@@PLUGINFILE@@/{name}"'

    SubElement(element, "text").text = _IMAGE_SRC.sub(to_file, html)
    for name, data in files:
        SubElement(element, "file", name=name, path="/", encoding="base64").text = data
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
    _rich(element, "questiontext", formatted(question.text_html, question.text), question.text)
    _rich(
        element,
        "generalfeedback",
        formatted(question.explanation_html, question.explanation),
        question.explanation,
    )
    SubElement(element, "defaultgrade").text = str(question.points)
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        right = [question.answer] if question.kind == Kind.SINGLE else list(question.answer)
        share = valid_fraction(Decimal(100) / len(right)) or Decimal(100)
        SubElement(element, "single").text = "true" if question.kind == Kind.SINGLE else "false"
        SubElement(element, "shuffleanswers").text = "0"
        for option in question.options:
            fraction = share if option["key"] in right else Decimal(0)
            html = option.get("html")
            _rich(
                element,
                "answer",
                rich_text.sanitise(html) if html else None,
                option["text"],
                fraction=str(fraction),
            )
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


MANIFEST_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
_RP_TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


def qti_package(subject: Subject) -> tuple[bytes, int]:
    """The active questions of ``subject`` as a QTI 3.0 content package (a zip), and how many
    could not be written (always 0: every kind has a QTI counterpart)."""
    manifest = _element("manifest", xmlns=MANIFEST_NS, identifier=f"bank-{subject.code}")
    metadata = _sub(manifest, "metadata")
    _sub(metadata, "schema").text = "QTI Package"
    _sub(metadata, "schemaversion").text = "3.0.0"
    _sub(manifest, "organizations")
    resources = _sub(manifest, "resources")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for question in subject.questions.active().order_by("chapter", "id"):
            identifier = f"q{question.pk}"
            href = f"items/{identifier}.xml"
            resource = _sub(
                resources, "resource", identifier=identifier, type="imsqti_item_xmlv3p0", href=href
            )
            _sub(resource, "file", href=href)
            images: dict[str, bytes] = {}
            archive.writestr(href, _xml(_qti_item(question, identifier, images)))
            for image_href, data in images.items():
                _sub(resource, "file", href=f"items/{image_href}")
                archive.writestr(f"items/{image_href}", data)
        archive.writestr("imsmanifest.xml", _xml(manifest))
    return buffer.getvalue(), 0


def _xml(element: Element) -> bytes:
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return (declaration + tostring(element, "unicode") + "\n").encode()


def _paragraphs(parent: Element, text: str) -> list[Element]:
    paragraphs = []
    for line in text.split("\n"):
        paragraph = _sub(parent, "p")
        paragraph.text = line
        paragraphs.append(paragraph)
    return paragraphs


class _XhtmlBuilder(HTMLParser):
    """Sanitised HTML (``rich_text``: a small allow-list, so a small parser) as XML elements
    under ``parent``; each data: image becomes a file of the package, named in ``images``."""

    _VOID = frozenset({"br", "img"})

    def __init__(self, parent: Element, images: dict[str, bytes], prefix: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [parent]
        self.images = images
        self.prefix = prefix

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "img":
            match = _IMAGE_SRC.fullmatch(f'src="{values.get("src", "")}"')
            if match is None:
                return
            name = f"images/{self.prefix}-{len(self.images) + 1}.{_EXTENSIONS[match[1]]}"
            self.images[name] = base64.b64decode(match[2])
            values["src"] = name
            values.setdefault("alt", "")
        element = SubElement(self.stack[-1], tag, values)
        if tag not in self._VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        # As ElementTree keeps text: after a child, in its tail; else in the parent's text.
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def _xhtml(parent: Element, html: str, images: dict[str, bytes], prefix: str) -> None:
    builder = _XhtmlBuilder(parent, images, prefix)
    builder.feed(html)
    builder.close()


def _blanks_in(parent: Element, blanks: list[str]) -> None:
    """A text entry in place of each blank mark in the text under ``parent``, in order (the
    bank's check makes the marks as many as the blanks, or none); blanks the text does not mark
    go at its end, as the bank shows them."""
    remaining = list(blanks)

    def entries(text: str | None) -> tuple[str, list[Element]]:
        head, *pieces = BLANK_MARK.split(text or "")
        made = []
        for piece in pieces:
            if not remaining:  # pragma: no cover — the bank's check rules it out
                break
            entry = _element("qti-text-entry-interaction", response_identifier=remaining.pop(0))
            entry.tail = piece
            made.append(entry)
        return head, made

    def walk(element: Element) -> None:
        children = list(element)
        element.text, made = entries(element.text)
        for offset, entry in enumerate(made):
            element.insert(offset, entry)
        for child in children:
            walk(child)
            child.tail, made = entries(child.tail)
            position = list(element).index(child) + 1
            for offset, entry in enumerate(made):
                element.insert(position + offset, entry)

    for child in list(parent):
        walk(child)
    last = parent[-1] if len(parent) else parent
    for name in remaining:
        last.append(_element("qti-text-entry-interaction", response_identifier=name))


def _qti_item(question: Question, identifier: str, images: dict[str, bytes]) -> Element:
    item = _element(
        "qti-assessment-item",
        xmlns=QTI30_NS,
        identifier=identifier,
        title=f"{question.subject.code}-{question.pk}",
        adaptive="false",
        time_dependent="false",
    )
    kind = question.kind
    blanks: list[str] = []
    if kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE):
        declaration = _declaration(
            item, "RESPONSE", "multiple" if kind == Kind.MULTIPLE else "single", "identifier"
        )
        right = list(question.answer) if kind == Kind.MULTIPLE else [question.answer]
        correct = _sub(declaration, "qti-correct-response")
        for key in right:
            _sub(correct, "qti-value").text = key
    elif kind == Kind.FILL_IN:
        blanks = [f"BLANK{n}" for n in range(1, len(question.answer) + 1)]
        share = Decimal(question.points) / len(blanks)
        for name, accepted in zip(blanks, question.answer, strict=True):
            declaration = _declaration(item, name, "single", "string")
            _sub(_sub(declaration, "qti-correct-response"), "qti-value").text = accepted[0]
            mapping = _sub(declaration, "qti-mapping", default_value="0", upper_bound=f"{share:f}")
            for text in accepted:
                _sub(mapping, "qti-map-entry", map_key=text, mapped_value=f"{share:f}")
    else:
        declaration = _declaration(item, "RESPONSE", "single", "string")
        if question.answer:
            _sub(_sub(declaration, "qti-correct-response"), "qti-value").text = str(question.answer)
    _sub(
        item,
        "qti-outcome-declaration",
        identifier="SCORE",
        cardinality="single",
        base_type="float",
        normal_maximum=str(question.points),
    )
    body = _sub(item, "qti-item-body")
    html = formatted(question.text_html, question.text)
    if html is not None:
        _xhtml(body, html, images, identifier)
        if kind == Kind.FILL_IN:
            _blanks_in(body, blanks)
    elif kind == Kind.FILL_IN:
        _text_with_blanks(body, question.text, blanks)
    else:
        _paragraphs(body, question.text)
    if kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE):
        interaction = _sub(
            body,
            "qti-choice-interaction",
            response_identifier="RESPONSE",
            shuffle="false",
            max_choices="0" if kind == Kind.MULTIPLE else "1",
        )
        for option in question.options:
            choice = _sub(interaction, "qti-simple-choice", identifier=option["key"])
            if option.get("html"):
                _xhtml(choice, rich_text.sanitise(str(option["html"])), images, identifier)
            else:
                choice.text = option["text"]
    elif kind == Kind.SHORT_ANSWER:
        _sub(body, "qti-extended-text-interaction", response_identifier="RESPONSE")
    if kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE):
        _sub(item, "qti-response-processing", template=_RP_TEMPLATES + "match_correct.xml")
    elif kind == Kind.FILL_IN:
        # Each blank scores its share through its mapping; the item's score is their sum.
        processing = _sub(item, "qti-response-processing")
        outcome = _sub(processing, "qti-set-outcome-value", identifier="SCORE")
        total = _sub(outcome, "qti-sum")
        for name in blanks:
            _sub(total, "qti-map-response", identifier=name)
    return item


def _declaration(item: Element, identifier: str, cardinality: str, base_type: str) -> Element:
    return _sub(
        item,
        "qti-response-declaration",
        identifier=identifier,
        cardinality=cardinality,
        base_type=base_type,
    )


def _text_with_blanks(body: Element, text: str, blanks: list[str]) -> None:
    """The text's paragraphs with a text entry for each blank mark; blanks the text does not
    mark are put at its end, as the bank shows them."""
    remaining = list(blanks)
    paragraph: Element | None = None
    for paragraph in _paragraphs(body, text):
        pieces = BLANK_MARK.split(paragraph.text or "")
        paragraph.text = pieces[0]
        for piece in pieces[1:]:
            if not remaining:
                break
            entry = _sub(
                paragraph, "qti-text-entry-interaction", response_identifier=remaining.pop(0)
            )
            entry.tail = piece
    if paragraph is None:  # pragma: no cover — a text always has a paragraph
        return
    for name in remaining:
        entry = _sub(paragraph, "qti-text-entry-interaction", response_identifier=name)
        entry.tail = ""


def _element(tag: str, **attributes: str) -> Element:
    # QTI 3.0 attribute names are kebab case; Python keywords say them with underscores.
    return Element(tag, {name.replace("_", "-"): value for name, value in attributes.items()})


def _sub(parent: Element, tag: str, **attributes: str) -> Element:
    element = _element(tag, **attributes)
    parent.append(element)
    return element
