"""The weekly summary, and its export to xlsx and PDF with the Chinese text intact (R-INSP-5)."""

from __future__ import annotations

import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from inspections import services
from tests.inspection_helpers import items_of, record_finding, signed_in, template_for
from tests.personas import InspectionPersonas, Personas, build_inspections


@pytest.fixture
def world(personas: Personas) -> InspectionPersonas:
    return build_inspections(personas)


@pytest.fixture
def week_with_work(world: InspectionPersonas) -> InspectionPersonas:
    import datetime as dt

    unit = world.university_1
    template = template_for(unit)
    report = services.open_report(unit, template, dt.date.today(), world.uma)
    items = items_of(template)
    answers = [
        services.AnswerInput(items[0].pk, "done"),
        services.AnswerInput(items[1].pk, "not_done"),
    ]
    services.save_answers(report, answers, {}, world.uma)
    record_finding(world)
    return world


def test_the_spreadsheet_has_units_sections_and_open_findings(
    week_with_work: InspectionPersonas,
) -> None:
    response = signed_in(week_with_work.oscar).get("/inspections/summary.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    units, sections, findings = book.worksheets
    rows = list(units.iter_rows(min_row=2, values_only=True))
    university = next(r for r in rows if r[0] == "示范学院")
    assert university[5:8] == (1, 2, 71) and university[8] == 1
    assert {r[0] for r in rows} == {"金水区", "管城区", "示范学院", "另一学院"}
    section_rows = list(sections.iter_rows(min_row=2, values_only=True))
    assert ("示范学院", "组织领导情况", 1, 2, 2) in section_rows
    assert [r[2] for r in findings.iter_rows(min_row=2, values_only=True)] == ["试卷保管室监控离线"]


def test_the_pdf_carries_the_chinese_text(week_with_work: InspectionPersonas) -> None:
    response = signed_in(week_with_work.dina).get("/inspections/summary.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for words in ("示范学院", "金水区", "组织领导情况", "试卷保管室监控离线"):
        assert words in text
    assert "另一学院" not in text


@pytest.mark.django_db
def test_the_templates_command_lists_every_section_and_item_as_json() -> None:
    out = StringIO()
    call_command("inspection_templates", "--json", stdout=out)
    data = {t["code"]: t for t in json.loads(out.getvalue())}
    university = data["zsb-university"]
    assert university["name"] == "专升本考试安全高校准备情况督查表"
    assert university["report_due"] == {"weekday": 3, "time": "17:00"}
    assert [len(s["items"]) for s in university["sections"]] == [2, 8, 16, 10, 10, 5, 8, 12]
    first = university["sections"][0]["items"][0]
    assert set(first) == {"text", "due", "department"} and first["department"] == "招生办"
    assert sum(len(s["items"]) for s in data["zsb-district"]["sections"]) == 52
