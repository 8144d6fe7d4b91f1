"""R-CERT-2 for operators: ``manage.py import_candidates`` writes the template, reports bad
rows with row number, column and reason, and exits non-zero when any row is bad."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from candidates import imports
from candidates.models import Candidate
from tests import certification_world
from tests.certification_world import id_number, xlsx

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def world(personas: Personas) -> certification_world.World:
    return certification_world.build(personas)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_candidates", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_the_template_has_the_columns_an_example_and_validation(world, tmp_path):
    target = tmp_path / "template.xlsx"
    assert run("--template", str(target))[0] == 0
    workbook = load_workbook(target)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in imports.COLUMNS]
    assert sheet.max_row == 1 or all(c.value is None for c in sheet[2])  # no data row to import
    example = [c.value for c in workbook["示例"][2]]
    assert example == [*imports.EXAMPLE_PERSON, "HGJL-M", "470201"]
    rules = {str(r.sqref): r.type for r in sheet.data_validations.dataValidation}
    assert rules["B2:B50000"] == "textLength" and rules["D2:D50000"] == "list"
    assert workbook["代码表"]["A2"].value == "HGJL-M"


def test_the_example_row_of_the_template_imports_as_it_stands(world):
    """The example sheet shows codes the importer takes: its row, copied onto the data sheet,
    imports without a problem."""
    example = load_workbook(io.BytesIO(imports.template_workbook()))["示例"]
    row = [c.value for c in example[2]]
    report = imports.import_candidates(xlsx([row]), world.institution, dry_run=True)
    assert report.ok, report.problem_keys()
    assert report.valid == 1


def test_a_bad_file_exits_non_zero_with_row_column_and_reason(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    valid = id_number(1)
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    path.write_bytes(xlsx([["甲", wrong, "13800138000", "HGJL-M", "470201"]]))
    status, output = run(str(path), "--institution", "I1", "--json")
    report = json.loads(output)
    assert status == 1
    assert [(p["row"], p["column"], p["code"]) for p in report["problems"]] == [
        (2, "id_number", "checksum")
    ]
    status, text = run(str(path), "--institution", "I1")
    assert status == 1 and text.startswith("row 2\t")
    assert Candidate.objects.filter(institution=world.institution).count() == 0


def test_a_clean_file_imports_and_a_dry_run_writes_nothing(world, tmp_path):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx([["甲", id_number(2), "13800138000", "HGJL-M", "470201"]]))
    status, output = run(str(path), "--institution", "I1", "--dry-run")
    assert status == 0 and "(dry run)" in output
    assert not Candidate.objects.filter(institution=world.institution).exists()
    status, output = run(str(path), "--institution", "I1")
    assert status == 0 and "1 imported" in output
    assert Candidate.objects.filter(institution=world.institution).count() == 1


def test_an_unknown_institution_is_a_clear_error(world, tmp_path):
    with pytest.raises(CommandError, match="no institution"):
        call_command("import_candidates", str(tmp_path / "x.xlsx"), "--institution", "NOPE")
