"""Weekly self-inspection reports: on time, late, missing, submitted once, answers only to
the report's own checklist (R-INSP-2)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from inspections import deadlines, services
from inspections.deadlines import ReportState
from inspections.models import ReportAnswer, ReportStatus, SelfInspectionReport
from tests.inspection_helpers import items_of, signed_in, template_for
from tests.personas import InspectionPersonas, Personas, build_inspections

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WEEK = dt.date(2026, 3, 2)  # a Monday
THURSDAY_17 = dt.datetime(2026, 3, 5, 17, 0, tzinfo=SHANGHAI)
FRIDAY_17 = dt.datetime(2026, 3, 6, 17, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


def answered_report(world: InspectionPersonas) -> SelfInspectionReport:
    unit = world.university_1
    template = template_for(unit)
    report = services.open_report(unit, template, WEEK, world.uma)
    answers = [services.AnswerInput(item.pk, "done") for item in items_of(template)]
    return services.save_answers(report, answers, {}, world.uma)


def state(world: InspectionPersonas, unit_name: str, now: dt.datetime) -> ReportState:
    units = [world.university_1, world.university_2, world.district_1, world.district_2]
    rows = deadlines.weekly_status(units, WEEK, now)
    return next(row.state for row in rows if row.unit.name == unit_name)


def test_universities_are_due_on_thursday_and_districts_on_friday_at_17(
    world: InspectionPersonas,
) -> None:
    assert deadlines.deadline(template_for(world.university_1), WEEK) == THURSDAY_17
    assert deadlines.deadline(template_for(world.district_1), WEEK) == FRIDAY_17
    report = services.open_report(
        world.university_1, template_for(world.university_1), WEEK + dt.timedelta(days=4), world.uma
    )
    assert report.week == WEEK and report.deadline == THURSDAY_17


def test_a_report_submitted_before_the_deadline_is_on_time(world: InspectionPersonas) -> None:
    report = answered_report(world)
    services.submit_report(report, world.uma, now=THURSDAY_17 - dt.timedelta(minutes=1))
    assert state(world, "示范学院", FRIDAY_17) is ReportState.ON_TIME


def test_a_report_submitted_after_the_deadline_is_late(world: InspectionPersonas) -> None:
    report = answered_report(world)
    services.submit_report(report, world.uma, now=THURSDAY_17 + dt.timedelta(minutes=1))
    assert state(world, "示范学院", FRIDAY_17) is ReportState.LATE


def test_no_report_is_pending_before_the_deadline_and_missing_after_it(
    world: InspectionPersonas,
) -> None:
    answered_report(world)  # a draft is not a report
    before, after = THURSDAY_17 - dt.timedelta(seconds=1), THURSDAY_17 + dt.timedelta(seconds=1)
    assert state(world, "示范学院", before) is ReportState.PENDING
    assert state(world, "示范学院", after) is ReportState.MISSING
    # The district's own deadline is a day later.
    assert state(world, "金水区", after) is ReportState.PENDING
    assert state(world, "金水区", FRIDAY_17 + dt.timedelta(seconds=1)) is ReportState.MISSING


def test_the_level_above_sees_late_and_missing_reports_of_its_universities(
    world: InspectionPersonas,
) -> None:
    report = answered_report(world)
    services.submit_report(report, world.uma, now=THURSDAY_17 + dt.timedelta(hours=2))
    page = signed_in(world.dina).get("/inspections/summary/", {"week": "2026-03-04"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "示范学院" in html and "state-late" in html
    assert "另一学院" not in html  # another district's university
    centre = (
        signed_in(world.oscar).get("/inspections/summary/", {"week": "2026-03-02"}).content.decode()
    )
    assert "另一学院" in centre and "state-missing" in centre


def test_a_report_is_submitted_only_once(world: InspectionPersonas) -> None:
    report = answered_report(world)
    services.submit_report(report, world.uma, now=THURSDAY_17)
    with pytest.raises(services.InspectionError, match="already been submitted"):
        services.submit_report(report, world.uma, now=THURSDAY_17)
    response = signed_in(world.uma).post(f"/inspections/reports/{report.pk}/", {"submit": "1"})
    assert response.status_code == 409
    assert "already been submitted" in response.content.decode()
    report.refresh_from_db()
    assert report.submitted_at == THURSDAY_17


def test_an_answer_to_an_item_of_another_checklist_is_refused_and_nothing_is_saved(
    world: InspectionPersonas,
) -> None:
    unit = world.university_1
    report = services.open_report(unit, template_for(unit), WEEK, world.uma)
    mine = items_of(template_for(unit))[0]
    district_item = items_of(template_for(world.district_1))[0]
    answers = [
        services.AnswerInput(mine.pk, "done"),
        services.AnswerInput(district_item.pk, "done"),
    ]
    with pytest.raises(services.InspectionError, match="not on this report"):
        services.save_answers(report, answers, {}, world.uma)
    assert not ReportAnswer.objects.exists()
    response = signed_in(world.uma).post(
        f"/inspections/reports/{report.pk}/",
        {f"result-{mine.pk}": "done", f"result-{district_item.pk}": "done", "save": "1"},
    )
    assert response.status_code == 400
    assert not ReportAnswer.objects.exists()


def test_a_report_with_unanswered_items_cannot_be_submitted_and_keeps_nothing_of_the_request(
    world: InspectionPersonas,
) -> None:
    unit = world.university_1
    report = services.open_report(unit, template_for(unit), WEEK, world.uma)
    first = items_of(template_for(unit))[0]
    with pytest.raises(services.InspectionError, match="70 not answered"):
        services.save_answers(
            report, [services.AnswerInput(first.pk, "done")], {}, world.uma, submit=True
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not report.answers.exists()


def test_a_result_outside_done_not_done_and_not_applicable_is_refused(
    world: InspectionPersonas,
) -> None:
    unit = world.university_1
    report = services.open_report(unit, template_for(unit), WEEK, world.uma)
    first = items_of(template_for(unit))[0]
    with pytest.raises(services.InspectionError):
        services.save_answers(report, [services.AnswerInput(first.pk, "maybe")], {}, world.uma)
