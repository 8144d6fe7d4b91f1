"""QTI 2.1 and QTI 3.0 items (1EdTech's Question and Test Interoperability), one file or a
content package.

A file is one ``assessmentItem`` (QTI 2.1, namespace ``imsqti_v2p1``) or ``qti-assessment-item``
(QTI 3.0, ``imsqtiasi_v3p0``); a content package is a zip whose ``imsmanifest.xml`` lists item
resources (type ``imsqti_item_…``) by ``href``. QTI 3.0 spells QTI 2.1's names in kebab case
with a ``qti-`` prefix (``qti-choice-interaction``, ``response-identifier``); the reader turns them
into the 2.1 names first, so one path reads both.

Mapped interactions: ``choiceInteraction`` → single choice (``cardinality="single"``) or multiple
choice (``multiple``), the right options being the ``correctResponse`` values; a two-choice single
item whose choices read true and false (True/False, 正确/错误, 对/错) → true or false; one or more
``textEntryInteraction`` → fill-in with one blank per interaction, each written ``____`` in the
text, accepting its ``correctResponse`` value and the ``mapKey`` of every ``mapEntry`` worth
points; ``extendedTextInteraction`` → short answer, its ``correctResponse`` (if any) the
reference answer. The item body and each choice keep their formatting as sanitised HTML
beside their plain text, as in Moodle XML files (a choice interaction's ``prompt`` is part of
the body); an ``<img>`` names a file of the package relative to the item's file, checked and
kept as ``rich_text`` does (a lone item file has no package, so its images are missing).
Points are the ``SCORE`` outcome's ``normalMaximum``, else a ``MAXSCORE`` outcome's default
value, else the sum of the mappings' ``upperBound``, else 1. Every other interaction (match,
order, hotspot, gap match, inline choice, …), media other than images and MathML are refused.
As the specification requires, every interaction's ``responseIdentifier`` must have its
``responseDeclaration``, a choice's correct values must be identifiers of its
choices, and the cardinality must fit the number of correct values.

Each problem names the file (within the package) and, where it has one, the element. XML is
parsed with ``defusedxml`` (no DTDs, no entities); a package's directory is checked for zip
bombs by ``core.spreadsheets.check_archive`` before anything is unpacked.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from decimal import Decimal, InvalidOperation
from html import escape
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import Refused
from core.spreadsheets import SpreadsheetRefused, check_archive
from questionbank import rich_text, shapes
from questionbank.models import Question
from questionbank.moodle import MAX_QUESTIONS
from questionbank.reports import Issue, Reading
from questionbank.rich_text import ImageRefused
from questionbank.shapes import Draft

Kind = Question.Kind

QTI21_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI30_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
MANIFEST = "imsmanifest.xml"
BLANK = "____"
ITEM_ROOTS = ("assessmentItem", "qti-assessment-item")
SUPPORTED = frozenset({"choiceInteraction", "textEntryInteraction", "extendedTextInteraction"})
_MEDIA = frozenset({"object", "picture", "video", "audio", "svg", "embed", "iframe"})
_SKIPPED = frozenset(
    {"feedbackInline", "feedbackBlock", "modalFeedback", "rubricBlock", "script", "style"}
)
_BREAKS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "prompt", "blockquote"}
)
_TRUE = frozenset({"true", "正确", "对", "是"})
_FALSE = frozenset({"false", "错误", "错", "否"})
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(assessmentItem|qti-assessment-item)[\s/>]")


def looks_like(data: bytes) -> bool:
    """An XML item file (its first element is an assessment item) or a zip with a manifest."""
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return MANIFEST in names
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    # The root is the first element after the declaration, comments and processing
    # instructions.
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", head, flags=re.DOTALL).lstrip()
    return _ROOT.match(body) is not None


def read(data: bytes, filename: str) -> tuple[list[Draft], list[Issue]]:
    """The questions of a QTI item file or content package and the problems found, item by
    item."""
    if data.startswith(b"PK\x03\x04"):
        return _read_package(data, filename)
    return _read_items([(filename, data)], filename)


class _Refused(Refused):
    """A refusal; ``message`` says why, for people, and ``element`` where."""

    def __init__(self, message: str, element: str = "") -> None:
        super().__init__(message)
        self.element = element


def _read_package(data: bytes, filename: str) -> tuple[list[Draft], list[Issue]]:
    try:
        check_archive(data)
    except SpreadsheetRefused as refused:
        if refused.code == "too_large":
            limit = settings.SPREADSHEET_MAX_UNPACKED_BYTES // (1024 * 1024)
            message = _("The package would unpack to more than %(mb)d MB, so it is not read.") % {
                "mb": limit
            }
        elif refused.code == "too_compressed":
            message = _(
                "The package is packed far tighter than question files can be, so it is not read."
            )
        else:
            message = _("The package is not a readable zip archive.")
        return [], [Issue(message)]
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    if MANIFEST not in names:
        return [], [Issue(_("The package has no imsmanifest.xml."))]
    try:
        manifest = SafeET.fromstring(archive.read(MANIFEST))
    except ParseError as error:
        return [], [
            Issue(
                _("The XML is broken near line %(line)d, column %(column)d.")
                % {"line": error.position[0], "column": error.position[1] + 1},
                part=MANIFEST,
                line=error.position[0],
            )
        ]
    except DefusedXmlException:
        return [], [
            Issue(_("The file declares a DTD or entities, which are not accepted."), part=MANIFEST)
        ]
    hrefs: list[str] = []
    for resource in manifest.iter():
        if _local(resource.tag) != "resource":
            continue
        if not resource.get("type", "").startswith("imsqti_item"):
            continue
        href = resource.get("href") or next(
            (f.get("href", "") for f in resource if _local(f.tag) == "file"), ""
        )
        hrefs.append(href)
    if not hrefs:
        return [], [Issue(_("The manifest lists no QTI items (resources of type imsqti_item_…)."))]
    if len(hrefs) > MAX_QUESTIONS:
        return [], [Issue(_("A file holds at most %(n)d questions.") % {"n": MAX_QUESTIONS})]
    files: list[tuple[str, bytes | None]] = []
    for href in hrefs:
        # An href is a URI reference relative to the manifest: "items/item%201.xml".
        path = posixpath.normpath(unquote(href.split("#", 1)[0])) if href else ""
        files.append((href or MANIFEST, archive.read(path) if path in names else None))
    return _read_items(files, filename, archive)


def _package_files(archive: zipfile.ZipFile, part: str) -> rich_text.Files:
    """What an item's ``src`` names in the package: a path relative to the item's file (a URI
    reference, so ``%20`` is a space), never outside the package."""
    infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}

    def find(src: str) -> bytes | None:
        reference = unquote(src.split("#", 1)[0].split("?", 1)[0])
        path = posixpath.normpath(posixpath.join(posixpath.dirname(part), reference))
        info = infos.get(path)
        if info is None or path.startswith(("../", "/")):
            return None
        if info.file_size > rich_text.MAX_IMAGE_BYTES:
            # Too large whatever it is: say so without unpacking it.
            return b"\0" * (rich_text.MAX_IMAGE_BYTES + 1)
        return archive.read(info)

    return find


def _read_items(
    files: list[tuple[str, bytes | None]], filename: str, archive: zipfile.ZipFile | None = None
) -> tuple[list[Draft], list[Issue]]:
    reading = Reading()
    for part, data in files:
        if data is None:
            message = _("The manifest lists this item but the package does not hold it.")
            reading.refuse(message, part=part)
            continue
        try:
            draft = _item(data, part, _package_files(archive, part) if archive else None)
        except _Parse as failure:
            reading.issues.append(failure.issue)
            continue
        except _Refused as refused:
            reading.refuse(refused.message, part=part, element=refused.element or None)
            continue
        draft.source = filename if part == filename else f"{filename}:{part}"
        draft.where = {"part": part}
        reading.check(draft, part=part)
    return reading.result()


class _Parse(Exception):
    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _normalise(root: Element) -> dict[int, str]:
    """Give every element its local QTI 2.1 name (``qti-simple-choice`` → ``simpleChoice``) and
    QTI 3.0 attributes their 2.1 names; returns each element's name as the file wrote it."""
    written: dict[int, str] = {}
    version3 = _local(root.tag).startswith("qti-")
    for element in root.iter():
        local = _local(element.tag)
        written[id(element)] = local
        if local.startswith("qti-"):
            element.tag = _camel(local[4:])
        else:
            element.tag = local
        if version3:
            for name in [n for n in element.attrib if "-" in n and not n.startswith("data-")]:
                element.attrib[_camel(name)] = element.attrib.pop(name)
    return written


def _item(data: bytes, part: str, files: rich_text.Files | None) -> Draft:
    try:
        root = SafeET.fromstring(data)
    except ParseError as error:
        line, column = error.position
        raise _Parse(
            Issue(
                _("The XML is broken near line %(line)d, column %(column)d.")
                % {"line": line, "column": column + 1},
                part=part,
                line=line,
            )
        ) from None
    except DefusedXmlException:
        raise _Parse(
            Issue(_("The file declares a DTD or entities, which are not accepted."), part=part)
        ) from None
    if _local(root.tag) not in ITEM_ROOTS:
        raise _Refused(
            _("This is not a QTI item (no <assessmentItem> or <qti-assessment-item> element).")
        )
    written = _normalise(root)
    declarations = {d.get("identifier", ""): d for d in root.findall("responseDeclaration")}
    body = root.find("itemBody")
    if body is None:
        raise _Refused(_("The item has no item body."))
    interactions: list[Element] = []
    text = _body_text(body, written, interactions, files)
    for interaction in interactions:
        identifier = interaction.get("responseIdentifier", "")
        if identifier not in declarations:
            raise _Refused(
                _("No responseDeclaration has the identifier “%(id)s” this interaction answers.")
                % {"id": identifier},
                _where(interaction, written),
            )
    names = {interaction.tag for interaction in interactions}
    if not interactions:
        raise _Refused(_("The item has no interaction; text-only items are not imported."))
    if len(names) > 1:
        raise _Refused(_("An item mixing several kinds of interaction is not supported."))
    draft = Draft(kind="", text=text.text, text_html=text.html, points=_points(root))
    first = interactions[0]
    if first.tag == "choiceInteraction":
        if len(interactions) > 1:
            raise _Refused(
                _("An item with more than one choice interaction is not supported."),
                _where(interactions[1], written),
            )
        _choice(draft, first, declarations[first.get("responseIdentifier", "")], written, files)
    elif first.tag == "textEntryInteraction":
        draft.kind = Kind.FILL_IN
        draft.answer = [
            _accepted(i, declarations[i.get("responseIdentifier", "")], written)
            for i in interactions
        ]
    else:
        if len(interactions) > 1:
            raise _Refused(
                _("An item with more than one extended text interaction is not supported."),
                _where(interactions[1], written),
            )
        declaration = declarations[first.get("responseIdentifier", "")]
        values = _correct(declaration)
        draft.kind = Kind.SHORT_ANSWER
        draft.answer = "\n".join(values)
    return draft


def _where(element: Element, written: dict[int, str]) -> str:
    name = written.get(id(element), element.tag)
    identifier = element.get("responseIdentifier") or element.get("identifier")
    return f'{name} "{identifier}"' if identifier else name


class _Writer:
    """The plain text and the HTML of an item's body or a choice, written side by side.

    Elements whose names are HTML tags the sanitiser keeps are written as those tags; an
    ``img`` gets its file from the package (``files``), checked by ``rich_text.image_uri``, as
    a data: URI; the HTML is then sanitised like any other (``rich_text.sanitise``)."""

    def __init__(self, written: dict[int, str], files: rich_text.Files | None) -> None:
        self.written = written
        self.files = files
        self.parts: list[str] = []
        self.markup: list[str] = []
        self.image_bytes = 0

    def text(self, value: str | None) -> None:
        spaced = _spaced(value)
        self.parts.append(spaced)
        self.markup.append(escape(value or "", quote=False))

    def open(self, element: Element) -> None:
        tag = element.tag
        if tag in _BREAKS:
            self.parts.append("\n")
        if tag == "prompt":
            self.markup.append("<p>")
        elif tag in rich_text.TAGS and tag != "img":
            self.markup.append(f"<{tag}{self.cells(element)}>")

    def close(self, element: Element) -> None:
        tag = element.tag
        if tag in _BREAKS:
            self.parts.append("\n")
        if tag == "prompt":
            self.markup.append("</p>")
        elif tag in rich_text.TAGS and tag not in ("img", "br"):
            self.markup.append(f"</{tag}>")

    def cells(self, element: Element) -> str:
        names = rich_text.ATTRIBUTES.get(element.tag, set())
        return "".join(
            f' {name}="{escape(value)}"' for name, value in element.attrib.items() if name in names
        )

    def image(self, element: Element) -> None:
        try:
            uri = rich_text.image_uri(element.get("src", ""), self.files)
        except ImageRefused as refused:
            raise _Refused(str(refused.message), _where(element, self.written)) from None
        self.image_bytes += len(uri)
        if self.image_bytes > rich_text.MAX_IMAGES_BYTES * 4 // 3:
            raise _Refused(
                _("The images of one text add up to more than %(mb)d MB; make them smaller.")
                % {"mb": rich_text.MAX_IMAGES_BYTES // (1024 * 1024)},
                _where(element, self.written),
            )
        alt = element.get("alt", "").strip()
        self.parts.append(f"[{alt or _('image')}]")
        sizes = "".join(
            f' {name}="{escape(element.get(name, ""))}"'
            for name in ("width", "height")
            if element.get(name)
        )
        self.markup.append(f'<img src="{uri}" alt="{escape(alt)}"{sizes}>')

    def refuse_media(self, element: Element) -> None:
        if element.tag in _MEDIA:
            raise _Refused(
                _("Media other than images (audio, video, objects) are not supported."),
                _where(element, self.written),
            )
        if element.tag == "math":
            raise _Refused(
                _("Formulas (MathML) are not supported; the text would lose them."),
                _where(element, self.written),
            )

    def result(self) -> rich_text.Rich:
        return rich_text.Rich(
            html=rich_text.sanitise("".join(self.markup)), text=_clean("".join(self.parts))
        )


def _body_text(
    body: Element,
    written: dict[int, str],
    interactions: list[Element],
    files: rich_text.Files | None,
) -> rich_text.Rich:
    out = _Writer(written, files)

    def walk(element: Element) -> None:
        tag = element.tag
        if tag in _SKIPPED:
            return
        if tag == "img":
            out.image(element)
            out.text(element.tail)
            return
        out.refuse_media(element)
        if tag.endswith("Interaction"):
            if tag not in SUPPORTED:
                raise _Refused(
                    _("The interaction “%(type)s” is not supported.")
                    % {"type": written.get(id(element), tag)},
                    _where(element, written),
                )
            interactions.append(element)
            if tag == "textEntryInteraction":
                out.text(BLANK)
            else:
                prompt = element.find("prompt")
                if prompt is not None:
                    walk(prompt)
                out.parts.append("\n")
            out.text(element.tail)
            return
        out.open(element)
        out.text(element.text)
        for child in element:
            walk(child)
        out.close(element)
        out.text(element.tail)

    out.text(body.text)
    for child in body:
        walk(child)
    return out.result()


def _spaced(text: str | None) -> str:
    # As in HTML, a line end in the markup is a space; only block elements and <br> break lines.
    return re.sub(r"\s+", " ", text) if text else ""


def _clean(text: str) -> str:
    text = text.replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _plain(
    element: Element, written: dict[int, str], files: rich_text.Files | None
) -> rich_text.Rich:
    """A choice's text and HTML (images kept as in the body)."""
    out = _Writer(written, files)

    def walk(node: Element) -> None:
        if node.tag in _SKIPPED:
            out.text(node.tail)
            return
        if node.tag == "img":
            out.image(node)
            out.text(node.tail)
            return
        out.refuse_media(node)
        if node.tag.endswith("Interaction"):
            raise _Refused(
                _("The interaction “%(type)s” is not supported.")
                % {"type": written.get(id(node), node.tag)},
                _where(node, written),
            )
        out.parts.append("\n" if node.tag in _BREAKS else "")
        if node.tag in rich_text.TAGS:
            out.markup.append(f"<{node.tag}{out.cells(node)}>")
        out.text(node.text)
        for child in node:
            walk(child)
        if node.tag in rich_text.TAGS and node.tag != "br":
            out.markup.append(f"</{node.tag}>")
        out.text(node.tail)

    out.text(element.text)
    for child in element:
        walk(child)
    return out.result()


def _values(element: Element | None) -> list[str]:
    if element is None:
        return []
    return [(value.text or "").strip() for value in element.findall("value")]


def _correct(declaration: Element) -> list[str]:
    return _values(declaration.find("correctResponse"))


def _cardinality(declaration: Element, values: list[str], where: str) -> str:
    cardinality = declaration.get("cardinality", "")
    if cardinality not in ("single", "multiple", "ordered"):
        raise _Refused(
            _("The response declaration's cardinality must be single or multiple."), where
        )
    if cardinality == "single" and len(values) > 1:
        raise _Refused(
            _("The cardinality is single but the correct response has %(n)d values.")
            % {"n": len(values)},
            where,
        )
    return cardinality


def _choice(
    draft: Draft,
    interaction: Element,
    declaration: Element,
    written: dict[int, str],
    files: rich_text.Files | None,
) -> None:
    where = _where(declaration, written)
    choices = interaction.findall("simpleChoice")
    if len(choices) > len(shapes.OPTION_KEYS):
        raise _Refused(
            _("A choice question has at most %(n)d options.") % {"n": len(shapes.OPTION_KEYS)},
            _where(interaction, written),
        )
    identifiers = [choice.get("identifier", "") for choice in choices]
    if len(set(identifiers)) != len(identifiers):
        raise _Refused(
            _("Two choices have the same identifier; each needs its own."),
            _where(interaction, written),
        )
    keys = dict(zip(identifiers, shapes.OPTION_KEYS, strict=False))
    contents = [_plain(choice, written, files) for choice in choices]
    texts = [content.text for content in contents]
    values = _correct(declaration)
    if not values:
        raise _Refused(_("The response declaration gives no correct response."), where)
    unknown = [value for value in values if value not in keys]
    if unknown:
        raise _Refused(
            _("The correct value “%(value)s” is not the identifier of one of the choices.")
            % {"value": unknown[0]},
            where,
        )
    cardinality = _cardinality(declaration, values, where)
    if cardinality == "ordered":
        raise _Refused(_("Ordered responses are not supported."), where)
    max_choices = interaction.get("maxChoices", "1").strip()
    if cardinality == "single" and max_choices != "1":
        # The specification: a choice interaction bound to a single response allows one choice.
        raise _Refused(
            _("The response is single but the interaction allows %(n)s choices (maxChoices).")
            % {"n": max_choices},
            _where(interaction, written),
        )
    draft.options = [
        {"key": keys[i], "text": c.text}
        | ({"html": c.html} if rich_text.needs_html(c.html, c.text) else {})
        for i, c in zip(identifiers, contents, strict=True)
    ]
    if cardinality == "single":
        lowered = [t.strip().lower() for t in texts]
        verdicts = _TRUE | _FALSE
        if (
            len(choices) == 2
            and all(t in verdicts for t in lowered)
            and (lowered[0] in _TRUE) != (lowered[1] in _TRUE)
        ):
            right = lowered[identifiers.index(values[0])]
            draft.kind = Kind.TRUE_FALSE
            draft.answer = "T" if right in _TRUE else "F"
            draft.options = list(shapes.TRUE_FALSE_OPTIONS)
            return
        draft.kind, draft.answer = Kind.SINGLE, keys[values[0]]
    else:
        draft.kind = Kind.MULTIPLE
        draft.answer = sorted({keys[value] for value in values})


def _accepted(interaction: Element, declaration: Element, written: dict[int, str]) -> list[str]:
    where = _where(declaration, written)
    values = _correct(declaration)
    _cardinality(declaration, values, where)
    accepted = list(values)
    mapping = declaration.find("mapping")
    if mapping is not None:
        for entry in mapping.findall("mapEntry"):
            if _number(entry.get("mappedValue", "0"), where) > 0:
                accepted.append(entry.get("mapKey", "").strip())
    unique = list(dict.fromkeys(text for text in accepted if text))
    if not unique:
        raise _Refused(_("The blank has no correct response and no mapping worth points."), where)
    return unique


def _number(raw: str, where: str) -> Decimal:
    try:
        return Decimal(raw.strip())
    except InvalidOperation:
        raise _Refused(_("“%(value)s” is not a number.") % {"value": raw}, where) from None


def _points(root: Element) -> int:
    outcomes = {o.get("identifier", ""): o for o in root.findall("outcomeDeclaration")}
    value: Decimal | None = None
    score = outcomes.get("SCORE")
    if score is not None and score.get("normalMaximum"):
        value = _number(score.get("normalMaximum", ""), "outcomeDeclaration SCORE")
    elif "MAXSCORE" in outcomes and _values(outcomes["MAXSCORE"].find("defaultValue")):
        raw = _values(outcomes["MAXSCORE"].find("defaultValue"))[0]
        value = _number(raw, "outcomeDeclaration MAXSCORE")
    else:
        bounds = [
            m.get("upperBound", "") for m in root.iter("mapping") if m.get("upperBound", "").strip()
        ]
        if bounds:
            value = sum((_number(b, "mapping") for b in bounds), Decimal(0))
    if value is None:
        return 1
    if value != value.to_integral_value():
        raise _Refused(
            _("Points must be a whole number; the item's maximum score is %(value)s.")
            % {"value": f"{value.normalize():f}"}
        )
    return int(value)
