"""Who sees which unit: a unit its own reports, an inspector the units of their team, the
level above its units, the city exam centre everything (R-INSP-2, R-INSP-3)."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections import services
from inspections.models import Unit
from tests.inspection_helpers import record_finding, signed_in, template_for
from tests.personas import InspectionPersonas, Personas, build_inspections

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


def names(user: object) -> set[str]:
    return set(Unit.objects.visible_to(user).values_list("name", flat=True))


def test_each_person_sees_only_their_units(world: InspectionPersonas, personas: Personas) -> None:
    assert names(world.uma) == {"示范学院"}
    assert names(world.vera) == {"另一学院"}
    assert names(world.dina) == {"金水区", "示范学院"}
    assert names(world.ingrid) == {"金水区", "示范学院"}
    assert names(world.ivan) == {"管城区", "另一学院"}
    assert names(world.oscar) == {"金水区", "管城区", "示范学院", "另一学院"}
    assert names(personas.paula) == set()


def test_a_unit_sees_its_own_report_and_no_other_units(world: InspectionPersonas) -> None:
    unit = world.university_1
    report = services.open_report(unit, template_for(unit), dt.date(2026, 3, 2), world.uma)
    url = f"/inspections/reports/{report.pk}/"
    assert signed_in(world.uma).get(url).status_code == 200
    assert signed_in(world.vera).get(url).status_code == 404
    assert signed_in(world.ivan).get(url).status_code == 404
    assert signed_in(world.vera).get(f"/inspections/units/{unit.pk}/").status_code == 404
    listing = signed_in(world.vera).get("/inspections/").content.decode()
    assert "另一学院" in listing and "示范学院" not in listing


def test_the_level_above_reads_a_university_report_but_cannot_answer_it(
    world: InspectionPersonas,
) -> None:
    unit = world.university_1
    report = services.open_report(unit, template_for(unit), dt.date(2026, 3, 2), world.uma)
    page = signed_in(world.dina).get(f"/inspections/reports/{report.pk}/")
    assert page.status_code == 200 and "Submit the report" not in page.content.decode()
    with pytest.raises(services.InspectionError):
        services.open_report(unit, template_for(unit), dt.date(2026, 3, 9), world.dina)


def test_an_inspector_sees_findings_only_of_their_teams_units(world: InspectionPersonas) -> None:
    finding = record_finding(world)
    url = f"/inspections/findings/{finding.rectification.pk}/"
    assert signed_in(world.ingrid).get(url).status_code == 200
    assert signed_in(world.uma).get(url).status_code == 200
    assert signed_in(world.ivan).get(url).status_code == 404
    assert signed_in(world.vera).get(url).status_code == 404
    photo = finding.evidence.get()
    assert signed_in(world.uma).get(f"/inspections/evidence/{photo.pk}/").status_code == 200
    assert signed_in(world.vera).get(f"/inspections/evidence/{photo.pk}/").status_code == 404
    with pytest.raises(services.InspectionError, match="not assigned"):
        services.record_finding(
            unit=world.university_1,
            item=finding.item,
            description="x",
            owner=world.uma,
            deadline=finding.rectification.deadline,
            photos=[],
            user=world.ivan,
        )


def test_people_outside_inspections_are_refused(personas: Personas) -> None:
    assert signed_in(personas.paula).get("/inspections/").status_code == 403
