"""Registering verified candidates into an exam plan (R-CERT-9): one by one or from the
registration template (a sheet of ID numbers). Only the site does it, only in the registration
window, only for verified candidates of the plan's certificate that the site may manage."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import record
from candidates import idnumber
from candidates.imports import ImportRefused, clean_cell, read_sheet
from candidates.models import Candidate
from candidates.statuses import Verification
from centres.models import Site
from certification import windows
from certification.models import Enrolment, ExamPlan
from certification.windows import Phase
from core.errors import Refused
from core.spreadsheets import RowProblem

REGISTRATION_HEADER = "身份证号"


class RegistrationRefused(Refused):
    """A refusal; ``message`` says why, for people."""


def _problem(plan: ExamPlan, candidate: Candidate) -> str | None:
    if candidate.verification != Verification.VERIFIED:
        return _("The candidate's record is not verified yet.")
    if candidate.certificate_id != plan.certificate_id:
        return _("The candidate applied for another certificate.")
    return None


def register(
    plan: ExamPlan, candidate: Candidate, site: Site, *, actor: Any, request: Any = None
) -> Enrolment:
    """Register one candidate; raises ``OutsideWindow`` or ``RegistrationRefused``."""
    windows.require(plan, Phase.REGISTRATION)
    problem = _problem(plan, candidate)
    if problem:
        raise RegistrationRefused(problem)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(plan=plan, candidate=candidate, site=site)
            Candidate.objects.filter(pk=candidate.pk).update(site=site)
            record("enrolment.created", actor=actor, request=request, target=enrolment)
    except IntegrityError:
        raise RegistrationRefused(_("The candidate is already registered in this plan.")) from None
    return enrolment


@dataclass
class RegistrationReport:
    rows: int = 0
    registered: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def import_registrations(
    plan: ExamPlan, data: bytes, site: Site, candidates: Any, *, actor: Any
) -> RegistrationReport:
    """Register every ID number of the sheet (header ``身份证号`` in column A); all or nothing.
    ``candidates`` is the queryset the user may manage."""
    windows.require(plan, Phase.REGISTRATION)
    report = RegistrationReport()
    wanted: dict[str, int] = {}
    rows = read_sheet(data)
    for number, values in rows:
        if number == 1:
            continue
        text = idnumber.normalise(clean_cell(values[0] if values else None))
        if not text:
            continue
        report.rows += 1
        if text in wanted:
            report.problems.append(
                RowProblem(number, "id_number", _("Duplicate ID number."), "duplicate_in_file")
            )
            continue
        wanted[text] = number
    found = {c.id_number: c for c in candidates.filter(id_number__in=wanted)}
    already = set(
        Enrolment.objects.filter(plan=plan, candidate__id_number__in=wanted).values_list(
            "candidate__id_number", flat=True
        )
    )
    for id_number, number in wanted.items():
        candidate = found.get(id_number)
        if candidate is None:
            report.problems.append(
                RowProblem(
                    number, "id_number", _("No candidate of yours has this ID number."), "unknown"
                )
            )
        elif id_number in already:
            report.problems.append(
                RowProblem(number, "id_number", _("Already registered."), "already_registered")
            )
        elif problem := _problem(plan, candidate):
            report.problems.append(RowProblem(number, "id_number", problem, "not_eligible"))
    report.problems.sort(key=lambda p: p.row or 0)
    if report.problems:
        return report
    with transaction.atomic():
        Enrolment.objects.bulk_create(
            [Enrolment(plan=plan, candidate=c, site=site) for c in found.values()]
        )
        Candidate.objects.filter(pk__in=[c.pk for c in found.values()]).update(site=site)
        record("enrolment.imported", actor=actor, target=plan, count=len(found))
    report.registered = len(found)
    return report


def registration_template() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "报考"
    sheet.append([REGISTRATION_HEADER])
    sheet.column_dimensions["A"].width = 24
    for row in range(2, 2002):
        sheet.cell(row=row, column=1).number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


__all__ = ["ImportRefused", "RegistrationRefused", "import_registrations", "register"]
