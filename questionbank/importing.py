"""Importing a question file into a subject's bank: all of it, or — if anything is wrong —
nothing.

``import_file`` reads the file (the format is told by its content, the name only breaks a tie),
checks every question, refuses questions already in the bank or repeated in the file, and
writes the questions and one audit row in one transaction unless it is a dry run or a problem
was found. The command ``import_questions`` and the import page both call it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from audit.services import record
from questionbank import gift, moodle, qti, shapes, spreadsheet
from questionbank.models import Question, Subject
from questionbank.reports import Issue, Report

XLSX, MOODLE, GIFT, QTI = "xlsx", "moodle-xml", "gift", "qti"
READERS = {XLSX: spreadsheet.read, MOODLE: moodle.read, GIFT: gift.read, QTI: qti.read}


def detect_format(data: bytes, filename: str) -> str | None:
    """``"xlsx"``, ``"moodle-xml"``, ``"gift"``, ``"qti"`` or ``None``, judged by the bytes
    first: a zip holding ``imsmanifest.xml`` is a QTI content package, any other zip xlsx (a
    workbook has ``[Content_Types].xml`` and no manifest); XML whose root is an assessment item
    is QTI, other XML Moodle XML; a ``.gift`` or ``.txt`` name, or text with answer blocks
    ``{…}``, is GIFT (its reader refuses a file that is not UTF-8)."""
    if qti.looks_like(data):
        return QTI
    if data.startswith(b"PK\x03\x04"):
        return XLSX
    if moodle.looks_like(data):
        return MOODLE
    name = filename.lower()
    if name.endswith(".xml") and data.lstrip().startswith(b"<"):
        return MOODLE
    if name.endswith((".gift", ".txt")) or gift.looks_like(data):
        return GIFT
    return None


def import_file(
    subject: Subject,
    data: bytes,
    filename: str,
    *,
    dry_run: bool,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> Report:
    """Read ``data`` and, unless ``dry_run`` or a problem was found, add its questions to
    ``subject``. The report lists every problem with its position; ``report.imported`` is the
    number of questions written (0 unless everything was right)."""
    report = Report(filename=filename, dry_run=dry_run)
    if len(data) > settings.QUESTIONBANK_IMPORT_MAX_BYTES:
        report.issues.append(
            Issue(
                _("The file is larger than %(n)d MB.")
                % {"n": settings.QUESTIONBANK_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        )
        return report
    file_format = detect_format(data, filename)
    if file_format is None:
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            message = _(
                "Old .xls files cannot be read: save the file as .xlsx and upload it again."
            )
        else:
            message = _(
                "Upload the question template (.xlsx), a Moodle XML file, a GIFT file "
                "(.gift, .txt) or a QTI 2.1 / 3.0 item or content package (.xml, .zip)."
            )
        report.issues.append(Issue(message))
        return report
    report.file_format = file_format
    report.drafts, report.issues = READERS[file_format](data, filename)
    if not report.drafts and not report.issues:
        report.issues.append(Issue(_("The file holds no questions.")))
    with transaction.atomic():
        # The subject row is locked so two imports of one file cannot both pass the duplicate
        # check and both write.
        Subject.objects.select_for_update().get(pk=subject.pk)
        _refuse_duplicates(subject, report)
        if dry_run or not report.ok:
            return report
        Question.objects.bulk_create(draft.to_question(subject.pk) for draft in report.drafts)
        report.imported = len(report.drafts)
        record(
            "questionbank.imported",
            actor=actor,
            target=subject,
            request=request,
            file=filename[:200],
            format=file_format,
            questions=report.imported,
            by_type=report.counts(),
        )
    return report


def _refuse_duplicates(subject: Subject, report: Report) -> None:
    existing = {
        shapes.identity(*row)
        for row in subject.questions.filter(
            text__in=[draft.text for draft in report.drafts]
        ).values_list("kind", "text", "text_html", "options", "answer")
    }
    seen: dict[tuple[str, str, str, str, str], str] = {}
    for draft in report.drafts:
        key = draft.identity()
        if key in existing:
            report.issues.append(Issue(_("This question is already in the bank."), **draft.where))
        elif key in seen:
            message = _("The same question appears earlier in the file (%(where)s).") % {
                "where": seen[key]
            }
            report.issues.append(Issue(message, **draft.where))
        else:
            seen[key] = Issue("", **draft.where).position
