"""Formatted question text: HTML from question files, sanitised, and its plain-text rendering.

Question files (Moodle XML, QTI, GIFT's ``[html]``) carry HTML. ``clean`` keeps the formatting an
exam question needs — paragraphs, line breaks, bold, italics, underline, sub- and superscripts,
lists, tables, code — through nh3 (the Ammonia sanitiser) with an explicit allow-list, and
drops everything else: scripts and styles with their content, event-handler and ``style``
attributes, classes, ids, forms, frames. Links are dropped and their words kept: an exam page
must not lead a candidate to another site, and a link's target could be anything.

Images are kept only as ``data:`` URIs. An importer hands ``clean`` a ``files`` function that
returns the bytes a ``src`` names (a Moodle ``@@PLUGINFILE@@`` file, a file of a QTI package);
each image is checked by Pillow — its real content, not its name — to be PNG, JPEG, GIF or
WebP, at most ``MAX_IMAGE_BYTES`` and ``MAX_IMAGE_PIXELS``, and then written into the HTML as a
``data:`` URI. Data URIs rather than stored files because: the images of exam questions are
small diagrams and formulas (the limit is 512 KB each), a question's images then travel with it
(its paper, its export, a copy) with nothing to clean up, and they are shown exactly to whoever
may see the question's text — the bank's staff and the candidate during their attempt — with no
second access check to get right on a file URL. The pages' CSP already allows ``img-src
data:``. An image that is remote (http, https or any other URL), missing, of another type or
too large is refused with the reason (``ImageRefused``), and importing is all or nothing.

Whatever is stored passed ``clean``; pages still show it only through ``display`` (the template
filter ``rich``), which sanitises it again with the same allow-list before marking it safe, so
a row written by any other path can never put markup on a page that the sanitiser would not let
through.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.errors import Refused

MAX_IMAGE_BYTES = 512 * 1024
MAX_IMAGE_PIXELS = 16_000_000
# All the images of one text together: a paper's JSON carries them to every candidate.
MAX_IMAGES_BYTES = 2 * 1024 * 1024

TAGS = frozenset(
    {
        "p", "br", "div", "span", "strong", "b", "em", "i", "u", "s", "sub", "sup",
        "ul", "ol", "li", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "code", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "img",
    }
)  # fmt: skip
ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Pillow's name of a format → the MIME type a data: URI says.
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# What a file's name or a data: URI declares it is.
_DECLARED = {
    "png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "jpe": "JPEG", "gif": "GIF", "webp": "WEBP",
    "image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG", "image/gif": "GIF",
    "image/webp": "WEBP",
}  # fmt: skip
_STORED_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")
_DATA_URI = re.compile(r"data:([\w.+/-]*)(?:;[\w=.-]+)*?(;base64)?,(.*)", re.DOTALL)
_NUMBER = re.compile(r"\d{1,4}")
_SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})

Files = Callable[[str], "bytes | None"]


class ImageRefused(Refused):
    """An image that is not kept; ``message`` names it and says why."""


@dataclass
class Rich:
    """A sanitised HTML fragment and the same text as plain text."""

    html: str
    text: str
    refusals: list[str] = field(default_factory=list)


def _filter(tag: str, attribute: str, value: str) -> str | None:
    """The render-time attribute policy: only stored image URIs, only small numbers."""
    if tag == "img" and attribute == "src":
        return value if _STORED_IMAGE.fullmatch(value) else None
    if attribute in ("width", "height", "colspan", "rowspan"):
        return value if _NUMBER.fullmatch(value.strip()) else None
    if attribute == "scope":
        return value if value in _SCOPES else None
    return value


def _cleaner(
    attribute_filter: Callable[[str, str, str], str | None], schemes: set[str]
) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes=schemes,
        strip_comments=True,
        link_rel=None,
    )


_RENDER = _cleaner(_filter, {"data"})


def sanitise(markup: str) -> str:
    """``markup`` with only what the allow-list keeps (images only as checked data: URIs)."""
    return str(_RENDER.clean(markup))


def clean(markup: str, files: Files | None = None) -> Rich:
    """Sanitise ``markup`` from a question file, turning each image's ``src`` into a data: URI
    of checked bytes (``files(src)`` gives the bytes a reference names, None when the file does
    not hold it). Raises ``ImageRefused`` with every refused image's reason."""
    refusals: list[str] = []
    total = 0

    def resolve(tag: str, attribute: str, value: str) -> str | None:
        nonlocal total
        if not (tag == "img" and attribute == "src"):
            return _filter(tag, attribute, value)
        try:
            uri = image_uri(value, files)
        except ImageRefused as refused:
            refusals.append(str(refused.message))
            return None
        total += len(uri)
        return uri

    # Every scheme reaches ``resolve``, which refuses the ones it does not keep by name:
    # nh3 would otherwise drop an http image silently, and the import would lose it.
    importing = _cleaner(resolve, {"data", "http", "https", "ftp", "file", "javascript", "cid"})
    html = str(importing.clean(markup))
    if total > MAX_IMAGES_BYTES * 4 // 3:
        refusals.append(
            _("The images of one text add up to more than %(mb)d MB; make them smaller.")
            % {"mb": MAX_IMAGES_BYTES // (1024 * 1024)}
        )
    if refusals:
        raise ImageRefused(" ".join(dict.fromkeys(refusals)))
    return Rich(html=html, text=to_text(html))


def image_uri(src: str, files: Files | None) -> str:
    """The data: URI of the image ``src`` names, its bytes checked; raises ``ImageRefused``."""
    src = src.strip()
    # People see the name as the file's author wrote it: Moodle's prefix and URL escapes off.
    shown = unquote(src).removeprefix("@@PLUGINFILE@@/") if src[:5].lower() != "data:" else src
    shown = shown if len(shown) <= 80 else shown[:77] + "…"
    data_uri = _DATA_URI.fullmatch(src) if src[:5].lower() == "data:" else None
    if data_uri is not None:
        if not data_uri[2]:
            raise ImageRefused(_("An embedded image is not base64 data, so it is not kept."))
        declared = _DECLARED.get(data_uri[1].lower())
        embedded = _base64(data_uri[3], _("The embedded image"))
        return _checked(embedded, declared, _("The embedded image"))
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//", src, re.IGNORECASE):
        raise ImageRefused(
            _(
                "The image “%(src)s” is a link to another site; the question file must hold its "
                "images, so the exam does not depend on other sites. Put the image in the file."
            )
            % {"src": shown}
        )
    data = files(src) if files is not None and src else None
    if data is None:
        raise ImageRefused(
            _("The image “%(src)s” is referenced but the file does not hold it.") % {"src": shown}
        )
    name = unquote(src).split("?", 1)[0].rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    image = _("The image “%(src)s”") % {"src": shown}
    return _checked(data, _DECLARED.get(extension, extension.upper() or None), image)


# ``image`` in the messages below names the image at the start of a sentence: "The image
# “a.png”" or "The embedded image".


def _base64(text: str, image: str) -> bytes:
    compact = re.sub(r"\s+", "", text)
    if len(compact) > (MAX_IMAGE_BYTES * 4 // 3) + 4:
        raise ImageRefused(_too_large(image))
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRefused(_("%(image)s is not valid base64 data.") % {"image": image}) from None


def decode_base64(text: str, name: str) -> bytes:
    """Base64 file content from a question file, refused when too large or broken."""
    return _base64(text, _("The image “%(src)s”") % {"src": name})


def _too_large(image: str) -> str:
    return _("%(image)s is larger than %(kb)d KB; make it smaller and import again.") % {
        "image": image,
        "kb": MAX_IMAGE_BYTES // 1024,
    }


def _checked(data: bytes, declared: str | None, image: str) -> str:
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(_too_large(image))
    unreadable = _("%(image)s is not a PNG, JPEG, GIF or WebP picture that can be read.") % {
        "image": image
    }
    try:
        with Image.open(io.BytesIO(data)) as picture:
            found = picture.format or ""
            width, height = picture.size
            if found not in FORMATS:
                raise ImageRefused(unreadable)
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRefused(
                    _("%(image)s has more than %(n)d million pixels; make it smaller.")
                    % {"image": image, "n": MAX_IMAGE_PIXELS // 1_000_000}
                )
            picture.verify()
        # verify() checks the structure; decoding it all proves the pixels are there too.
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
        if _cut_off(data, found):
            raise ImageRefused(unreadable)
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRefused(unreadable) from None
    if declared is not None and declared != found:
        raise ImageRefused(
            _(
                "%(image)s says it is %(declared)s but its content is %(found)s; save it in the "
                "format its name says and import again."
            )
            % {"image": image, "declared": declared, "found": found}
        )
    # The checked bytes are kept as they are (not re-encoded): re-encoding would lose a GIF's
    # frames and grow small PNGs, and the browser is told the type Pillow found, not the name.
    return f"data:{FORMATS[found]};base64,{base64.b64encode(data).decode('ascii')}"


def _cut_off(data: bytes, found: str) -> bool:
    """A JPEG without its end marker or a PNG without its IEND chunk was cut off. Checked by
    hand: WeasyPrint and face_recognition set Pillow's process-wide ``LOAD_TRUNCATED_IMAGES``,
    under which ``load()`` pads a cut-off picture with grey instead of failing."""
    tail = data[-4096:]
    if found == "JPEG":
        return b"\xff\xd9" not in tail
    if found == "PNG":
        return b"IEND" not in tail
    return False


def from_plain(text: str) -> str:
    """Plain text (typed in the editor, read from a spreadsheet) as HTML paragraphs: every
    character escaped, each line a paragraph."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    return "".join(f"<p>{escape(line, quote=False)}</p>" for line in lines)


def needs_html(html: str, text: str) -> bool:
    """Whether ``html`` says more than its plain ``text`` (formatting, images, several
    paragraphs); an option's HTML is kept only then, so plain options stay plain."""
    bare = re.sub(r"^\s*<p>(.*)</p>\s*$", r"\1", html, flags=re.DOTALL)
    return bare.strip() != escape(text, quote=False).strip()


def display(html: str, text: str) -> SafeString:
    """What a page shows: the stored HTML sanitised again, or — for questions written before
    formatted text was kept — the plain text as escaped paragraphs."""
    if html.strip():
        return mark_safe(sanitise(html))  # noqa: S308 — it has just passed the sanitiser
    lines = [line for line in text.split("\n") if line.strip()]
    return format_html_join("", "<p>{}</p>", ((line,) for line in lines))


def inline(html: str, text: str) -> SafeString:
    """An option's content for a page: its HTML sanitised again, else its escaped text."""
    if html.strip():
        return mark_safe(sanitise(html))  # noqa: S308 — it has just passed the sanitiser
    return mark_safe(escape(text))  # noqa: S308 — escaped


class _TextCollector(HTMLParser):
    _BREAKS = frozenset(
        {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"}
    )
    _CELLS = frozenset({"td", "th"})
    _SKIPPED = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self.skipping += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")
        elif tag in self._CELLS:
            self.parts.append(" ")
        elif tag == "img" and not self.skipping:
            alt = (dict(attrs).get("alt") or "").strip()
            self.parts.append(f"[{alt or _('image')}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")
        elif tag in self._CELLS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def to_text(markup: str) -> str:
    """Plain text of an HTML fragment (for search, lists, marking and exports that need text):
    tags removed, entities decoded, paragraphs and line breaks kept as single line ends, runs
    of spaces made one, an image written as its alternative text in brackets."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)
