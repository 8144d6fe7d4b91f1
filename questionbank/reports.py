"""What an import found: the questions it read, counted by type, and every problem with its
position in the file (a spreadsheet's row and column as Excel shows them; a Moodle file's question
index and ``<name>``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from questionbank import shapes
from questionbank.models import Question
from questionbank.shapes import Draft


@dataclass(frozen=True)
class Issue:
    """One problem. ``row``/``column`` locate it in a spreadsheet, ``index``/``name`` in a Moodle
    file (``index`` counts every ``<question>`` element from 1, categories included), ``part``
    and ``element`` a QTI item; a problem with the file as a whole has none of them."""

    message: str
    row: int | None = None
    column: str | None = None
    index: int | None = None
    name: str | None = None
    line: int | None = None
    # A QTI item: the file (its name within a content package) and, if known, the element.
    part: str | None = None
    element: str | None = None

    @property
    def position(self) -> str:
        if self.part is not None:
            if self.element:
                return _("%(file)s, element <%(element)s>") % {
                    "file": self.part,
                    "element": self.element,
                }
            if self.line is not None:
                return _("%(file)s, line %(line)d") % {"file": self.part, "line": self.line}
            return self.part
        if self.row is not None:
            if self.column:
                return _("row %(row)d, column %(column)s") % {
                    "row": self.row,
                    "column": self.column,
                }
            return _("row %(row)d") % {"row": self.row}
        if self.index is not None:
            return _("question %(index)d “%(name)s”") % {
                "index": self.index,
                "name": self.name or "",
            }
        if self.line is not None:
            return _("line %(line)d") % {"line": self.line}
        return _("the file")

    def as_dict(self) -> dict[str, Any]:
        found = {
            key: value
            for key, value in (
                ("row", self.row),
                ("column", self.column),
                ("index", self.index),
                ("name", self.name),
                ("line", self.line),
                ("part", self.part),
                ("element", self.element),
            )
            if value is not None
        }
        return {**found, "position": self.position, "message": self.message}


@dataclass
class Report:
    """The outcome of reading (and, unless a dry run or anything is wrong, importing) one file."""

    filename: str
    file_format: str = ""
    drafts: list[Draft] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    dry_run: bool = True
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    def counts(self) -> dict[str, int]:
        by_kind = Counter(draft.kind for draft in self.drafts)
        return {kind: by_kind.get(kind, 0) for kind in Question.Kind.values}

    def count_rows(self) -> list[tuple[str, int]]:
        """``(label, count)`` per question type, for pages."""
        counts = self.counts()
        return [(str(label), counts[value]) for value, label in Question.Kind.choices]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.filename,
            "format": self.file_format,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "questions": len(self.drafts),
            "by_type": self.counts(),
            "imported": self.imported,
            "errors": [issue.as_dict() for issue in self.issues],
        }


@dataclass
class Reading:
    """The questions of one file and its problems, as the GIFT, Moodle XML and QTI readers
    collect them question by question: a question the bank would refuse (``shapes.problems``)
    is not kept, and each of its problems is reported at the question's position."""

    drafts: list[Draft] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def check(self, draft: Draft, **where: Any) -> None:
        """Keep ``draft``, or report its problems at ``where`` (``Issue``'s position fields)."""
        problems = shapes.problems(draft)
        if problems:
            self.issues.extend(Issue(message, **where) for _field, message in problems)
        else:
            self.drafts.append(draft)

    def refuse(self, message: str, **where: Any) -> None:
        self.issues.append(Issue(message, **where))

    def result(self) -> tuple[list[Draft], list[Issue]]:
        return self.drafts, self.issues
