"""Scores (R-CERT-11): entered or imported by the organisation in the score-entry window;
visible to candidates and sites from the publication window on; the public query by ID number
and name (rate-limited by the view) shows only the candidate's own published results."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record
from candidates import idnumber
from candidates.imports import clean_cell, read_sheet
from certification import windows
from certification.models import Enrolment, ExamPlan, IssuedCertificate, Score
from certification.statuses import CertificateStatus
from certification.windows import Phase
from core.errors import Refused
from core.spreadsheets import RowProblem


class ScoreRefused(Refused):
    """A refusal; ``message`` says why, for people."""


def online_enrolments(plan: ExamPlan) -> QuerySet[Enrolment]:
    """The enrolments of ``plan`` seated in a session taken online (their scores come from the
    graded attempts, ``certification.online``)."""
    return Enrolment.objects.filter(plan=plan, seat__session__exam__isnull=False)


def parse(value: object) -> Decimal:
    try:
        score = Decimal(clean_cell(value))
    except InvalidOperation:
        raise ScoreRefused(_("A score is a number from 0 to 100.")) from None
    if not (Decimal(0) <= score <= Decimal(100)) or score != score.quantize(Decimal("0.1")):
        raise ScoreRefused(_("A score is a number from 0 to 100 with at most one decimal."))
    return score


ONLINE_MESSAGE = gettext_lazy(
    "This candidate sat the exam online: the score comes from the graded paper (use “Collect "
    "the online scores”), not by hand."
)


def enter(enrolment: Enrolment, value: object, *, actor: Any) -> Score:
    """A score typed by the organisation, for a sitting held offline."""
    plan = enrolment.plan
    windows.require(plan, Phase.SCORE_ENTRY)
    score = parse(value)
    if online_enrolments(plan).filter(pk=enrolment.pk).exists():
        raise ScoreRefused(str(ONLINE_MESSAGE))
    with transaction.atomic():
        saved, _created = Score.objects.update_or_create(
            enrolment=enrolment,
            defaults={
                "value": score,
                "passed": score >= plan.pass_mark,
                "source": Score.Source.MANUAL,
                "attempt": None,
            },
        )
        record("score.entered", actor=actor, target=enrolment, value=str(score))
    return saved


@dataclass
class ScoreReport:
    rows: int = 0
    saved: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def import_scores(plan: ExamPlan, data: bytes, *, actor: Any) -> ScoreReport:
    """Sheet with header row, column A ID number, column B score; all or nothing."""
    windows.require(plan, Phase.SCORE_ENTRY)
    report = ScoreReport()
    parsed: dict[str, tuple[int, Decimal]] = {}
    for number, values in read_sheet(data):
        if number == 1 or not values or all(v is None for v in values):
            continue
        report.rows += 1
        id_number = idnumber.normalise(clean_cell(values[0]))
        try:
            value = parse(values[1] if len(values) > 1 else None)
        except ScoreRefused as exc:
            report.problems.append(RowProblem(number, "score", exc.message, "score"))
            continue
        if id_number in parsed:
            report.problems.append(
                RowProblem(number, "id_number", _("Duplicate ID number."), "duplicate_in_file")
            )
            continue
        parsed[id_number] = (number, value)
    enrolments = {
        e.candidate.id_number: e
        for e in Enrolment.objects.filter(
            plan=plan, candidate__id_number__in=parsed
        ).select_related("candidate")
    }
    sat_online = set(
        online_enrolments(plan)
        .filter(pk__in=[e.pk for e in enrolments.values()])
        .values_list("pk", flat=True)
    )
    for id_number, (number, _value) in parsed.items():
        if id_number not in enrolments:
            report.problems.append(
                RowProblem(number, "id_number", _("Not registered in this plan."), "not_registered")
            )
        elif enrolments[id_number].pk in sat_online:
            report.problems.append(
                RowProblem(number, "id_number", str(ONLINE_MESSAGE), "sat_online")
            )
    report.problems.sort(key=lambda p: p.row or 0)
    if report.problems:
        return report
    with transaction.atomic():
        for id_number, (_number, value) in parsed.items():
            Score.objects.update_or_create(
                enrolment=enrolments[id_number],
                defaults={
                    "value": value,
                    "passed": value >= plan.pass_mark,
                    "source": Score.Source.MANUAL,
                    "attempt": None,
                },
            )
        record("score.imported", actor=actor, target=plan, count=len(parsed))
    report.saved = len(parsed)
    return report


def published(enrolments: QuerySet[Enrolment], now: Any = None) -> QuerySet[Enrolment]:
    """Registrations whose plan's publication window has opened: only they show a score."""
    return enrolments.filter(plan__publication_opens__lte=now or timezone.now())


@dataclass
class QueryResult:
    plan: str
    certificate: str
    score: Decimal | None
    passed: bool | None
    certificate_number: str
    verify_token: str


def public_query(id_number: str, name: str) -> list[QueryResult]:
    """The published results of the candidate with this ID number *and* name (both must match,
    so an ID number alone reveals nothing)."""
    id_number = idnumber.normalise(id_number)
    name = clean_cell(name)
    enrolments = (
        published(Enrolment.objects.filter(candidate__id_number=id_number, candidate__name=name))
        .select_related("plan", "plan__certificate", "score")
        .order_by("-plan__exam_opens")
    )
    results = []
    for e in enrolments:
        score = getattr(e, "score", None)
        issued = IssuedCertificate.objects.filter(
            enrolment=e, status__in=[CertificateStatus.STAMPED, CertificateStatus.REVOKED]
        ).first()
        results.append(
            QueryResult(
                plan=e.plan.name,
                certificate=str(e.plan.certificate),
                score=score.value if score else None,
                passed=score.passed if score else None,
                certificate_number=issued.number if issued else "",
                verify_token=issued.token if issued else "",
            )
        )
    return results
