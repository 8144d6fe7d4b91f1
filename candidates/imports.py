"""Bulk import of candidate records from the spreadsheet template, with their photos from a zip
keyed by ID number (R-CERT-2, R-CERT-3).

The contract:

- Every cell is cleaned first: zero-width characters, byte-order marks, tabs, line breaks,
  non-breaking and full-width spaces are removed (or, inside a Latin name, collapsed to one
  space). A cell that changed is listed in ``ImportReport.cleaned``; cleaning is never an error.
- Each data row is then checked; every problem is reported with the row number as the
  spreadsheet shows it (the header is row 1), the column and a reason. ID numbers are
  normalised (full-width digits, trailing ``x`` → ``X``) and checked for length, region, birth
  date and check character; a number already in the file (``duplicate_in_file``) or in the
  database (``already_registered``) is refused.
- All or nothing by default: when any row is bad nothing is written. With ``valid_only`` the
  good rows are imported and the bad ones are reported. The write is one transaction.
- A photo that breaks a rule makes its row bad (column ``photo``); a photo whose name is not an
  ID number of the file is reported with row ``None``. Photos that pass are stored and queued
  for the face check on the vision workers after the commit.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from audit.services import record
from candidates import idnumber, photos
from candidates.models import Candidate
from core import spreadsheets
from core.errors import Refused
from core.spreadsheets import RowProblem
from reference.models import Certificate, Institution, Major

# progress(done, total): rows checked so far, and the rows the sheet says it has (header excluded).
ProgressCallback = Callable[[int, int | None], None]

MAX_ROWS = 50_000
MAX_PHOTOS = 50_000
PHONE = re.compile(r"^1[3-9]\d{9}$")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff·"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the header written in the template; part of the file format, not translated
    label: Any  # what people read in the report
    required: bool = True


COLUMNS = (
    Column("name", "姓名", gettext_lazy("Full name")),
    Column("id_number", "身份证号", gettext_lazy("ID number")),
    Column("phone", "手机号码", gettext_lazy("Mobile phone")),
    Column("certificate", "证书代码", gettext_lazy("Certificate code")),
    Column("major", "专业代码", gettext_lazy("Major code")),
)
# Header spellings accepted besides the template's own (English, older templates).
ALIASES = {
    "name": {"name", "full name", "考生姓名"},
    "id_number": {"id number", "id_number", "证件号码", "身份证号码"},
    "phone": {"phone", "mobile phone", "手机号", "联系电话"},
    "certificate": {"certificate", "certificate code", "证书编码"},
    "major": {"major", "major code", "专业编码"},
}
PHOTO_COLUMN = "photo"
# The example sheet's row: a made-up person whose ID number has the right check character; the
# certificate and major are the catalogue's own (``example_row``), so the row imports as shown.
EXAMPLE_PERSON = ("张三", "110105198501010012", "13800138000")


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    imported: int = 0
    photos: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    cleaned: list[tuple[int, str]] = field(default_factory=list)  # (row, column) of cleaned cells
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_keys(self) -> list[tuple[int | None, str, str]]:
        return [(p.row, p.column, p.code) for p in self.problems]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cleaned"] = [list(c) for c in self.cleaned]
        data["ok"] = self.ok
        return data


@dataclass
class _Row:
    number: int
    name: str
    id_number: str
    phone: str
    certificate: Certificate
    major: Major
    photo: bytes | None = None
    photo_ext: str = "jpg"


class ImportRefused(Refused):
    """Raised for a file that cannot be read at all; the report says why."""


# What this import has always said for a file that is not a workbook or breaks while read.
_READER_MESSAGES = {
    "not_xlsx": gettext_lazy(
        "The file is not an Excel workbook (.xlsx). Download the template and use it."
    ),
    "damaged": gettext_lazy("The workbook is damaged and cannot be read."),
}


def column_label(key: str) -> str:
    for column in COLUMNS:
        if column.key == key:
            return str(column.label)
    return {PHOTO_COLUMN: _("Photo"), "file": _("File")}.get(key, key)


def clean_cell(value: object) -> str:
    """A cell's text without invisible characters and stray white space (see module doc)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate({ord(c): None for c in idnumber.INVISIBLE})
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_NEXT_TO_CJK.sub("", text)


def read_sheet(
    data: bytes, sized: Callable[[int | None], None] | None = None
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, cell values) of the first sheet, header included, through the shared reader
    (``core.spreadsheets``). ``sized`` is told the sheet's declared number of rows (header
    included) before the first row, if it declares it. Raises ``ImportRefused``."""
    try:
        yield from spreadsheets.read_rows(data, sized=sized)
    except spreadsheets.SpreadsheetRefused as exc:
        raise ImportRefused(_READER_MESSAGES.get(exc.code, exc.message), code=exc.code) from exc


def _header_map(header: tuple[object, ...]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        text = clean_cell(raw).lower()
        for column in COLUMNS:
            if text == column.header or text in ALIASES[column.key]:
                positions.setdefault(column.key, index)
    missing = [c.key for c in COLUMNS if c.key not in positions]
    return positions, missing


def _problem(report: ImportReport, row: int | None, column: str, code: str, message: str) -> None:
    report.problems.append(RowProblem(row, column, message, code))


ID_MESSAGES = {
    "length": gettext_lazy("An ID number has 18 characters."),
    "characters": gettext_lazy("An ID number has 17 digits and a digit or X at the end."),
    "region": gettext_lazy("The first two digits are not a province code."),
    "birth_date": gettext_lazy("Digits 7–14 are not a valid birth date."),
    "checksum": gettext_lazy("The check character (last) does not match: a digit is wrong."),
}


def validate(
    data: bytes,
    institution: Institution,
    report: ImportReport,
    progress: ProgressCallback | None = None,
) -> list[_Row]:
    """Read and check every row; fill ``report``; return the rows that passed."""
    declared: list[int | None] = [None]
    rows = read_sheet(data, sized=lambda n: declared.__setitem__(0, n))
    try:
        first = next(rows, None)
        if first is None:
            _problem(report, None, "file", "empty", _("The file is empty."))
            return []
        positions, missing = _header_map(first[1])
        for key in missing:
            _problem(
                report,
                1,
                key,
                "missing_column",
                _("The column “%(column)s” is missing. Use the template.")
                % {"column": column_label(key)},
            )
        if missing:
            return []
        total = declared[0] - 1 if declared[0] else None
        return _check_rows(rows, positions, report, progress, total)
    except (ImportRefused, SoftTimeLimitExceeded):
        raise  # a worker's time limit is not a damaged file
    except Exception as exc:  # a damaged archive may fail only while its rows stream
        raise ImportRefused(_("The workbook is damaged and cannot be read.")) from exc


def _check_rows(
    rows: Iterator[tuple[int, tuple[object, ...]]],
    positions: dict[str, int],
    report: ImportReport,
    progress: ProgressCallback | None = None,
    total: int | None = None,
) -> list[_Row]:
    certificates = {c.code: c for c in Certificate.objects.select_related("organisation")}
    majors = {(m.code_list, m.code): m for m in Major.objects.all()}
    scopes: dict[int, set[int]] = {}
    for cert_id, major_id in Certificate.majors.through.objects.values_list(
        "certificate_id", "major_id"
    ):
        scopes.setdefault(cert_id, set()).add(major_id)
    seen: dict[str, int] = {}
    candidates: list[_Row] = []
    for number, values in rows:
        if progress is not None:
            progress(number - 1, total)
        raw = {
            key: values[index] if index < len(values) else None for key, index in positions.items()
        }
        if all(v is None or clean_cell(v) == "" for v in raw.values()):
            continue  # blank lines at the end of a sheet
        report.rows += 1
        if report.rows > MAX_ROWS:
            _problem(
                report,
                number,
                "file",
                "too_many_rows",
                _("At most %(n)s rows per file; split the file.") % {"n": MAX_ROWS},
            )
            return []
        cells: dict[str, str] = {}
        bad = False
        for column in COLUMNS:
            value = raw[column.key]
            text = clean_cell(value)
            if column.key == "id_number":
                if isinstance(value, int | float):
                    _problem(
                        report,
                        number,
                        "id_number",
                        "stored_as_number",
                        _(
                            "The ID number is stored as a number and has lost digits; "
                            "format the column as text and type it again."
                        ),
                    )
                    bad = True
                    continue
                text = idnumber.normalise(text)
            elif column.key == "phone":
                text = text.replace(" ", "").replace("-", "")
            if value is not None and text != str(value):
                report.cleaned.append((number, column.key))
            if column.required and not text:
                _problem(
                    report,
                    number,
                    column.key,
                    "required",
                    _("“%(column)s” is required.") % {"column": column.label},
                )
                bad = True
            cells[column.key] = text
        if bad:
            continue
        id_number = cells["id_number"]
        reason = idnumber.problem(id_number)
        if reason:
            _problem(report, number, "id_number", reason, str(ID_MESSAGES[reason]))
            bad = True
        elif id_number in seen:
            _problem(
                report,
                number,
                "id_number",
                "duplicate_in_file",
                _("The same ID number is already in row %(row)s.") % {"row": seen[id_number]},
            )
            bad = True
        else:
            seen[id_number] = number
        if len(cells["name"]) > 100:
            _problem(report, number, "name", "too_long", _("At most 100 characters."))
            bad = True
        if not PHONE.match(cells["phone"]):
            _problem(
                report,
                number,
                "phone",
                "phone",
                _("A mobile number has 11 digits and starts with 13–19."),
            )
            bad = True
        certificate = certificates.get(cells["certificate"])
        major = None
        if certificate is None:
            _problem(
                report,
                number,
                "certificate",
                "unknown_certificate",
                _("No certificate has the code “%(code)s”.") % {"code": cells["certificate"]},
            )
            bad = True
        else:
            code_list = certificate.organisation.major_code_list
            major = majors.get((code_list, cells["major"]))
            if major is None:
                _problem(
                    report,
                    number,
                    "major",
                    "unknown_major",
                    _("“%(code)s” is not a major code of the list in use.")
                    % {"code": cells["major"]},
                )
                bad = True
            elif certificate.pk in scopes and major.pk not in scopes[certificate.pk]:
                _problem(
                    report,
                    number,
                    "major",
                    "major_not_in_scope",
                    _("The major is not in the pilot scope of this certificate."),
                )
                bad = True
        if not bad:
            assert certificate is not None and major is not None
            candidates.append(
                _Row(number, cells["name"], id_number, cells["phone"], certificate, major)
            )
    existing = set(
        Candidate.objects.filter(id_number__in=[r.id_number for r in candidates]).values_list(
            "id_number", flat=True
        )
    )
    for row in candidates:
        if row.id_number in existing:
            _problem(
                report,
                row.number,
                "id_number",
                "already_registered",
                _("A candidate with this ID number is already registered."),
            )
    report.problems.sort(key=lambda p: p.row or 0)
    return [r for r in candidates if r.id_number not in existing]


def attach_photos(zip_data: bytes, rows: list[_Row], report: ImportReport) -> list[_Row]:
    """Match the zip's photos to ``rows`` by ID number (file name without extension) and check
    each against the spec. Returns the rows still valid (a row whose photo is bad is not)."""
    by_id = {r.id_number: r for r in rows}
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        _problem(report, None, "file", "bad_zip", _("The photo file is not a zip archive."))
        return rows
    if len(entries) > MAX_PHOTOS:
        _problem(report, None, "file", "too_many_photos", _("Too many files in the zip archive."))
        return rows
    bad_rows: set[int] = set()
    for info in entries:
        filename = info.filename.rsplit("/", 1)[-1]
        if filename.startswith(".") or info.filename.startswith("__MACOSX/"):
            continue  # files macOS adds to every archive
        stem = filename.rsplit(".", 1)[0]
        row = by_id.get(idnumber.normalise(stem))
        if row is None:
            _problem(
                report,
                None,
                PHOTO_COLUMN,
                "unknown_id",
                _("%(file)s: no row of the file has this ID number.") % {"file": filename},
            )
            continue
        # The size in the zip directory is checked before anything is decompressed.
        if info.file_size > photos.MAX_BYTES:
            found: photos.PhotoProblem | None = photos.PhotoProblem(
                "file_size",
                _("The photo is %(mb).1f MB; at most 5 MB is allowed.")
                % {"mb": info.file_size / 2**20},
            )
            content = b""
        else:
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
                content = b""
            found = photos.problem(content)
        if found is not None:
            _problem(
                report,
                row.number,
                PHOTO_COLUMN,
                found.code,
                f"{filename}: {found.message}",
            )
            bad_rows.add(row.number)
            continue
        row.photo = content
        row.photo_ext = photos.extension(content)
        report.photos += 1
    report.problems.sort(key=lambda p: p.row or 0)
    return [r for r in rows if r.number not in bad_rows]


def import_candidates(
    data: bytes,
    institution: Institution,
    *,
    photos_zip: bytes | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    actor: Any = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Check ``data`` (an xlsx made from the template) and import it; see the module docstring.

    ``progress(done, total)`` is called before each sheet row is checked (``total`` is what the
    sheet declares, or None). Raises ``ImportRefused`` for a file that is not a readable
    workbook."""
    report = ImportReport(dry_run=dry_run)
    rows = validate(data, institution, report, progress)
    if photos_zip is not None:
        rows = attach_photos(photos_zip, rows, report)
    report.valid = len(rows)
    if dry_run or not rows or (report.problems and not valid_only):
        return report
    try:
        with transaction.atomic():
            created = _write(rows, institution)
            record(
                "candidates.imported",
                actor=actor,
                target=institution,
                rows=report.rows,
                imported=len(created),
                valid_only=valid_only,
            )
            from candidates.tasks import check_candidate_photo

            for candidate in created:
                if candidate.photo:
                    transaction.on_commit(partial(check_candidate_photo.delay, candidate.pk))
    except IntegrityError:
        # Another import registered one of these ID numbers after we checked: start again.
        _problem(
            report,
            None,
            "file",
            "concurrent_import",
            _("Another import added some of these candidates meanwhile. Upload the file again."),
        )
        return report
    report.imported = len(created)
    return report


def _write(rows: list[_Row], institution: Institution) -> list[Candidate]:
    # Candidates sign in with ID number and passcode only: one unusable password hash for all.
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"cand-{uuid.uuid4().hex[:20]}",
                role=Role.CANDIDATE,
                first_name=row.name,
                password=unusable,
            )
            for row in rows
        ],
        batch_size=2000,
    )
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(
                user=user,
                id_number=row.id_number,
                name=row.name,
                phone=row.phone,
                institution=institution,
                certificate=row.certificate,
                major=row.major,
            )
            for user, row in zip(users, rows, strict=True)
        ],
        batch_size=2000,
    )
    with_photo = [(c, r) for c, r in zip(candidates, rows, strict=True) if r.photo]
    for candidate, row in with_photo:
        assert row.photo is not None
        candidate.photo.save(f"{candidate.pk}.{row.photo_ext}", ContentFile(row.photo), save=False)
    if with_photo:
        Candidate.objects.bulk_update([c for c, _ in with_photo], ["photo"], batch_size=2000)
    return candidates


def replace_photos(zip_data: bytes, candidates: Any, *, actor: Any = None) -> ImportReport:
    """Store the photos of a zip for existing candidates (``candidates``: the queryset the
    user may manage), checking each against the spec; a bad photo leaves the old one."""
    report = ImportReport()
    ids = {idnumber.normalise(i.rsplit("/", 1)[-1].rsplit(".", 1)[0]) for i in _names(zip_data)}
    known = {c.id_number: c for c in candidates.filter(id_number__in=ids)}
    rows = [_Row(0, c.name, c.id_number, c.phone, c.certificate, c.major) for c in known.values()]
    for index, row in enumerate(rows, start=1):
        row.number = index  # the zip has no rows: number the candidates for the report
    good = attach_photos(zip_data, rows, report)
    for problem in report.problems:
        problem.row = None
    with transaction.atomic():
        from candidates.tasks import check_candidate_photo

        for row in good:
            if row.photo is None:
                continue
            candidate = known[row.id_number]
            candidate.photo.save(
                f"{candidate.pk}.{row.photo_ext}", ContentFile(row.photo), save=False
            )
            candidate.photo_problem = ""
            candidate.photo_faces = None
            candidate.save(update_fields=["photo", "photo_problem", "photo_faces"])
            transaction.on_commit(partial(check_candidate_photo.delay, candidate.pk))
            report.imported += 1
        record("candidates.photos_replaced", actor=actor, photos=report.imported)
    return report


def _names(zip_data: bytes) -> list[str]:
    try:
        return [i.filename for i in zipfile.ZipFile(io.BytesIO(zip_data)).infolist()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []


def example_row(certificates: list[Certificate]) -> list[str]:
    """The example sheet's row: codes the importer takes (the first certificate of the
    catalogue and a major of it), blank where the catalogue has none yet."""
    for certificate in certificates:
        major = (
            certificate.majors.filter(code_list=certificate.organisation.major_code_list)
            .order_by("code")
            .first()
        )
        if major is not None:
            return [*EXAMPLE_PERSON, certificate.code, major.code]
    return [*EXAMPLE_PERSON, certificates[0].code if certificates else "", ""]


def template_workbook() -> bytes:
    """The candidate template: the columns (text format, so ID numbers keep their digits), data
    validation for the ID number and phone lengths and for the certificate and major codes, and
    an example row on a sheet of its own so it is never imported by mistake."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "考生信息"
    sheet.append([c.header for c in COLUMNS])
    for index, _column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 22
        for row in range(2, 2002):
            sheet.cell(row=row, column=index).number_format = "@"
    id_rule = DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True)
    id_rule.error = "身份证号为 18 位 / An ID number has 18 characters"
    id_rule.add("B2:B50000")
    phone_rule = DataValidation(
        type="textLength", operator="equal", formula1="11", allow_blank=True
    )
    phone_rule.error = "手机号码为 11 位 / A mobile number has 11 digits"
    phone_rule.add("C2:C50000")
    sheet.add_data_validation(id_rule)
    sheet.add_data_validation(phone_rule)
    codes = workbook.create_sheet("代码表")
    codes.append(["证书代码", "证书名称", "专业代码", "专业名称"])
    certificates = list(Certificate.objects.select_related("organisation").order_by("code"))
    majors = sorted(
        {
            m
            for c in certificates
            for m in c.majors.filter(code_list=c.organisation.major_code_list)
        },
        key=lambda m: m.code,
    )
    for index in range(max(len(certificates), len(majors))):
        cert = certificates[index] if index < len(certificates) else None
        major = majors[index] if index < len(majors) else None
        codes.append(
            spreadsheets.safe_row(
                codes,
                [
                    cert.code if cert else None,
                    str(cert) if cert else None,
                    major.code if major else None,
                    major.name if major else None,
                ],
            )
        )
    if certificates:
        rule = DataValidation(
            type="list", formula1=f"'代码表'!$A$2:$A${len(certificates) + 1}", allow_blank=True
        )
        rule.add("D2:D50000")
        sheet.add_data_validation(rule)
    if majors:
        rule = DataValidation(
            type="list", formula1=f"'代码表'!$C$2:$C${len(majors) + 1}", allow_blank=True
        )
        rule.add("E2:E50000")
        sheet.add_data_validation(rule)
    example = workbook.create_sheet("示例")
    example.append([c.header for c in COLUMNS])
    example.append(example_row(certificates))
    example.append(["说明：在“考生信息”表中每行填写一名考生；身份证号末位 x 会自动转为 X。"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def problem_rows(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's problems (as in ``ImportReport.as_dict``) as the row report shows them, with
    the column named in the reader's language."""
    return [
        {
            "row": p["row"],
            "column": column_label(p["column"]),
            "code": p["code"],
            "message": p["message"],
        }
        for p in problems
    ]
