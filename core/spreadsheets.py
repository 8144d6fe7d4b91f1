"""Spreadsheets (xlsx) in and out: one reader for every import, one row-problem type for their
reports, and one way to write people's text into an export.

Reading. An xlsx file is a zip archive of XML parts, and a few kilobytes of it can unpack to a
sheet of a million empty rows that takes a web process many seconds to walk through. So
``read_rows`` looks at the archive's directory before anything is parsed and refuses a file whose
parts would unpack to more than ``SPREADSHEET_MAX_UNPACKED_BYTES``, or that is packed tighter than
``SPREADSHEET_MAX_RATIO`` (data is never that repetitive; empty rows are). The sizes in the
directory can be trusted: Python's zip reader stops at the declared size and fails the checksum of
a part that claims less than it holds. Then it reads the first sheet in openpyxl's read-only
(streaming) mode, values not formulas, and stops with a refusal after ``SPREADSHEET_MAX_ROWS``
rows, blank rows included (openpyxl hands out the blank rows a sheet skips over, one by one).

Writing. A cell whose text starts with ``=`` becomes a live formula in openpyxl, and text that
starts with ``+ - @``, a tab or a carriage return is read as one by spreadsheet programs once
someone edits the cell. ``safe_row`` writes such text as an explicit string cell with Excel's
quote prefix (what typing an apostrophe first does): it shows the text as it is and never
evaluates it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import Refused

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SMALL_PART = 1024 * 1024  # parts below this unpack to little whatever their ratio


@dataclass
class RowProblem:
    """One problem an import found. ``row`` is the row number as the spreadsheet shows it (the
    header is row 1), ``None`` for a problem of the file as a whole; ``column`` names the column
    (a key or a letter, as the import reports it); ``message`` is the reason, for people;
    ``code`` names the reason for programs and pages (empty when the import has none)."""

    row: int | None
    column: str
    message: str
    code: str = ""


class SpreadsheetRefused(Refused):
    """The file cannot be read as a spreadsheet. ``code`` is ``not_xlsx`` (not a workbook),
    ``damaged`` (it broke while its rows were read), ``too_large``, ``too_compressed`` or
    ``too_many_rows``; an import may say the first two in its own words."""


def check_archive(data: bytes) -> None:
    """Refuse, before parsing anything, a file that is not a zip or would unpack too far."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SpreadsheetRefused(_("The file is not an xlsx workbook."), code="not_xlsx") from exc
    limit = settings.SPREADSHEET_MAX_UNPACKED_BYTES
    if sum(entry.file_size for entry in entries) > limit:
        raise SpreadsheetRefused(
            _(
                "The workbook would unpack to more than %(mb)d MB, so it is not read. Delete "
                "the empty rows and columns beyond your data or split the file, then upload it "
                "again."
            )
            % {"mb": limit // (1024 * 1024)},
            code="too_large",
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _SMALL_PART and ratio > settings.SPREADSHEET_MAX_RATIO:
            raise SpreadsheetRefused(
                _(
                    "The workbook is packed far tighter than a sheet of data can be (it holds "
                    "mostly empty rows or cells), so it is not read. Delete the empty rows below "
                    "your data, save the file and upload it again."
                ),
                code="too_compressed",
            )


def read_rows(
    data: bytes,
    *,
    max_col: int | None = None,
    max_rows: int | None = None,
    sized: Callable[[int | None], None] | None = None,
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, cell values) of the first sheet, header included, after ``check_archive``.
    ``max_col`` cuts each row; ``max_rows`` (``SPREADSHEET_MAX_ROWS`` by default) caps the rows
    read, blank ones included; ``sized`` is told the sheet's declared number of rows before the
    first row. Raises ``SpreadsheetRefused`` (see its codes)."""
    from openpyxl import load_workbook

    check_archive(data)
    cap = settings.SPREADSHEET_MAX_ROWS if max_rows is None else max_rows
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not xlsx
        raise SpreadsheetRefused(_("The file is not an xlsx workbook."), code="not_xlsx") from exc
    try:
        try:
            sheet = workbook.worksheets[0]
            if sized is not None:
                sized(sheet.max_row)
            rows = sheet.iter_rows(max_col=max_col, values_only=True)
            for number, values in enumerate(rows, start=1):
                if number > cap:
                    raise SpreadsheetRefused(
                        _(
                            "The sheet has more than %(n)d rows (empty rows count too). Delete "
                            "the empty rows below your data or split the file, then upload it "
                            "again."
                        )
                        % {"n": cap},
                        code="too_many_rows",
                    )
                yield number, tuple(values)
        except (SpreadsheetRefused, SoftTimeLimitExceeded):
            raise  # a worker's time limit is not a damaged file
        except Exception as exc:  # a damaged part may fail only while its rows stream
            raise SpreadsheetRefused(
                _("The workbook is damaged and cannot be read."), code="damaged"
            ) from exc
    finally:
        workbook.close()


def safe_row(sheet: Any, values: Iterable[object]) -> list[object]:
    """``values`` ready for ``sheet.append``: text that a spreadsheet program would take for a
    formula becomes an explicit string cell with the quote prefix; everything else is kept."""
    from openpyxl.cell import WriteOnlyCell

    row: list[object] = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row
