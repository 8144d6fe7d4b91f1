"""A unit fills in and submits its weekly report, and an inspector records a finding, through
the pages (R-INSP-2, R-INSP-3)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from inspections.models import InspectionTeam, ReportStatus, SelfInspectionReport, UnitMembership
from tests.inspection_helpers import items_of, jpeg, signed_in, template_for
from tests.personas import InspectionPersonas, Personas, build_inspections

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


def test_unit_staff_fill_in_and_submit_the_weekly_report(world: InspectionPersonas) -> None:
    client = signed_in(world.uma)
    home = client.get("/inspections/").content.decode()
    assert "专升本考试安全高校准备情况督查表" in home
    template = template_for(world.university_1)
    started = client.post(
        f"/inspections/units/{world.university_1.pk}/reports/start/", {"template": template.pk}
    )
    assert started.status_code == 302
    report = SelfInspectionReport.objects.get()
    page = client.get(started["Location"]).content.decode()
    assert "是否成立校长（党委书记）任组长的考试安全工作领导小组？" in page
    form = {f"result-{item.pk}": "done" for item in items_of(template)}
    form[f"note-{items_of(template)[0].pk}"] = "领导小组已成立"
    response = client.post(f"/inspections/reports/{report.pk}/", {**form, "submit": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == world.uma
    assert report.answers.count() == 71


def test_an_inspector_records_a_finding_with_a_photo_and_clear_errors(
    world: InspectionPersonas, settings: pytest.FixtureRequest, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    client = signed_in(world.ingrid)
    unit = world.university_1
    url = f"/inspections/units/{unit.pk}/findings/new/"
    item = items_of(template_for(unit))[3]
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        url,
        {
            "item": item.pk,
            "description": "考生承诺书存根缺失",
            "owner": world.uma.pk,
            "deadline": past,
        },
    )
    assert refused.status_code == 400 and "must be in the future" in refused.content.decode()
    district_item = items_of(template_for(world.district_1))[0]
    wrong = client.post(
        url, {"item": district_item.pk, "description": "x", "owner": world.uma.pk, "deadline": past}
    )
    assert wrong.status_code == 400  # not a choice for a university
    soon = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    recorded = client.post(
        url,
        {
            "item": item.pk,
            "description": "考生承诺书存根缺失",
            "owner": world.uma.pk,
            "deadline": soon,
            "photos": [jpeg()],
        },
    )
    assert recorded.status_code == 302
    page = client.get(recorded["Location"]).content.decode()
    assert "考生承诺书存根缺失" in page and "photo.jpg" in page
    owner_home = signed_in(world.uma).get("/inspections/").content.decode()
    assert "考生承诺书存根缺失" in owner_home
    listing = client.get("/inspections/findings/", {"q": "承诺书"}).content.decode()
    assert "考生承诺书存根缺失" in listing


def test_the_demo_has_units_teams_and_staff_for_the_inspections(db: None) -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # twice: no duplicates
    team = InspectionTeam.objects.get(leader__username="inspector")
    assert sorted(team.units.values_list("name", flat=True)) == ["管城区", "金水区"]
    assert InspectionTeam.objects.count() == 4
    university = UnitMembership.objects.get(user__username="unit_staff").unit
    assert university.parent is not None and university.parent.name == "金水区"
