"""Reports of R-INSP-5: each unit's checklist completion by section, open and overdue findings,
and the weekly summary, as a page, a spreadsheet (openpyxl) and a PDF (WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import safe_row
from inspections import deadlines
from inspections.models import (
    AnswerResult,
    ChecklistSection,
    Rectification,
    ReportAnswer,
    Unit,
)
from inspections.statuses import IN_HAND


@dataclass
class SectionProgress:
    title: str
    total: int
    answered: int = 0
    done: int = 0


@dataclass
class UnitRow:
    status: deadlines.WeeklyRow
    sections: list[SectionProgress] = field(default_factory=list)
    open_findings: int = 0
    overdue_findings: int = 0

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def done(self) -> int:
        return sum(s.done for s in self.sections)

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class WeeklySummary:
    week: dt.date
    generated_at: dt.datetime
    rows: list[UnitRow]
    open_items: list[Rectification]

    @property
    def late_or_missing(self) -> list[UnitRow]:
        late = {deadlines.ReportState.LATE, deadlines.ReportState.MISSING}
        return [row for row in self.rows if row.status.state in late]


def weekly_summary(
    units: list[Unit], week: dt.date, now: dt.datetime | None = None
) -> WeeklySummary:
    now = now or timezone.now()
    statuses = deadlines.weekly_status(units, week, now)
    template_ids = {row.template.pk for row in statuses}
    section_sizes = {
        s.pk: (s.template_id, s.title, s.n)
        for s in ChecklistSection.objects.filter(template_id__in=template_ids).annotate(
            n=Count("items")
        )
    }
    report_ids = [row.report.pk for row in statuses if row.report is not None]
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    for entry in (
        ReportAnswer.objects.filter(report_id__in=report_ids)
        .values("report_id", "item__section_id")
        .annotate(answered=Count("pk"), done=Count("pk", filter=Q(result=AnswerResult.DONE)))
    ):
        counts[(entry["report_id"], entry["item__section_id"])] = (
            entry["answered"],
            entry["done"],
        )
    findings: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    open_items = list(
        Rectification.objects.unresolved()
        .filter(finding__unit__in=units)
        .select_related("finding__unit", "finding__item__section", "owner")
        .order_by("deadline")
    )
    for item in open_items:
        findings[item.finding.unit_id][0] += 1
        findings[item.finding.unit_id][1] += item.status in IN_HAND and item.deadline < now
    rows = []
    for status in statuses:
        opened, overdue = findings[status.unit.pk]
        row = UnitRow(status, open_findings=opened, overdue_findings=overdue)
        for section_id, (template_id, title, total) in section_sizes.items():
            if template_id != status.template.pk:
                continue
            answered, done = (
                counts.get((status.report.pk, section_id), (0, 0)) if status.report else (0, 0)
            )
            row.sections.append(SectionProgress(title, total, answered, done))
        rows.append(row)
    return WeeklySummary(week, now, rows, open_items)


def to_xlsx(summary: WeeklySummary) -> bytes:
    """The summary as a workbook: one sheet of units, one of sections, one of open items."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    def add_sheet(title: str, header: list[str], rows: list[list[object]]) -> None:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows:
            sheet.append(safe_row(sheet, values))
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, 4 + 2 * width)

    def local(value: dt.datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    book = Workbook()
    book.remove(book.active)
    add_sheet(
        _("Units"),
        [
            _("Unit"),
            _("Checklist"),
            _("Deadline"),
            _("Report"),
            _("Submitted at"),
            _("Items done"),
            _("Items answered"),
            _("Items"),
            _("Open findings"),
            _("Overdue findings"),
        ],
        [
            [
                row.status.unit.name,
                row.status.template.name,
                local(row.status.due),
                row.status.state.label,
                local(row.status.report.submitted_at if row.status.report else None),
                row.done,
                row.answered,
                row.total,
                row.open_findings,
                row.overdue_findings,
            ]
            for row in summary.rows
        ],
    )
    add_sheet(
        _("Sections"),
        [_("Unit"), _("Section"), _("Items done"), _("Items answered"), _("Items")],
        [
            [row.status.unit.name, s.title, s.done, s.answered, s.total]
            for row in summary.rows
            for s in row.sections
        ],
    )
    add_sheet(
        _("Open findings"),
        [_("Unit"), _("Checklist item"), _("Finding"), _("Owner"), _("Deadline"), _("Status")],
        [
            [
                item.finding.unit.name,
                item.finding.item.text,
                item.finding.description,
                item.owner.display_name,
                local(item.deadline),
                item.get_status_display(),
            ]
            for item in summary.open_items
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(summary: WeeklySummary) -> bytes:
    from core.pdf import render_pdf

    return render_pdf("inspections/pdf/weekly_summary.html", {"summary": summary})
