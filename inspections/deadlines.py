"""Weekly report deadlines and whether each unit's report came in on time (R-INSP-2).

A report covers one week, named by its Monday. It is due on the template's weekday and time of
that week in the platform's time zone (the notice: universities Thursday 17:00, districts Friday
17:00). A report submitted after its deadline is late; no submitted report once the deadline
has passed is missing; before the deadline a report is still pending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models import (
    ChecklistTemplate,
    ReportStatus,
    SelfInspectionReport,
    Unit,
)


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def current_week(now: dt.datetime | None = None) -> dt.date:
    return week_of(timezone.localdate(now or timezone.now()))


def parse_week(value: str | None, now: dt.datetime | None = None) -> dt.date:
    """The week named by an ISO date in a query string (any day of it), else this week."""
    try:
        return week_of(dt.date.fromisoformat(value or ""))
    except ValueError:
        return current_week(now)


def deadline(template: ChecklistTemplate, week: dt.date) -> dt.datetime:
    local = dt.datetime.combine(
        week + dt.timedelta(days=template.report_weekday), template.report_time
    )
    return timezone.make_aware(local, timezone.get_default_timezone())


class ReportState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    ReportState.ON_TIME: _("On time"),
    ReportState.LATE: _("Late"),
    ReportState.MISSING: _("Missing"),
    ReportState.PENDING: _("Not yet due"),
}


def state_of(
    report: SelfInspectionReport | None, due: dt.datetime, now: dt.datetime
) -> ReportState:
    if report is not None and report.status == ReportStatus.SUBMITTED:
        assert report.submitted_at is not None
        return ReportState.LATE if report.submitted_at > due else ReportState.ON_TIME
    return ReportState.MISSING if now > due else ReportState.PENDING


@dataclass
class WeeklyRow:
    unit: Unit
    template: ChecklistTemplate
    due: dt.datetime
    report: SelfInspectionReport | None
    state: ReportState


def weekly_status(
    units: list[Unit], week: dt.date, now: dt.datetime | None = None
) -> list[WeeklyRow]:
    """One row per unit and checklist in use for its kind: the week's report and its state."""
    now = now or timezone.now()
    templates = list(ChecklistTemplate.objects.active())
    reports = {
        (r.unit_id, r.template_id): r
        for r in SelfInspectionReport.objects.filter(unit__in=units, week=week)
    }
    rows = []
    for unit in units:
        for template in templates:
            if template.unit_kind != unit.kind:
                continue
            due = deadline(template, week)
            report = reports.get((unit.pk, template.pk))
            rows.append(WeeklyRow(unit, template, due, report, state_of(report, due, now)))
    return rows
