"""R-CERT-2: a spreadsheet with nasty cells gives exactly the expected row report and imports
nothing; a clean file imports; importing only the valid rows is an explicit choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from candidates import imports
from candidates.models import Candidate
from candidates.statuses import Verification
from tests import certification_world
from tests.certification_world import id_number, xlsx

if TYPE_CHECKING:
    from tests.personas import Personas

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(personas: Personas) -> certification_world.World:
    return certification_world.build(personas)


def nasty_rows() -> list[list[object]]:
    good_1 = id_number(11)
    lower_x = id_number(30)  # chosen below so that its check character is X
    wrong = id_number(12)
    wrong = wrong[:17] + ("0" if wrong[17] != "0" else "1")
    return [
        ["\t王小明", good_1, "13800138001", "HGJL-M", "470201"],  # row 2: tab (cleaned)
        ["李\u3000雷", lower_x.lower(), "13800138002", "HGJL-M", "470201"],  # row 3
        ["赵\u200b敏", wrong, "13800138003", "HGJL-M", "470201"],  # row 4: wrong check char
        ["钱多多", good_1, "13800138004", "HGJL-M", "470201"],  # row 5: duplicate of row 2
        [None, id_number(13), "13800138005", "HGJL-M", "470201"],  # row 6: empty name
        ["孙 悟空", id_number(14), "1380013800", "HGJL-M", "999999"],  # row 7: phone, major
    ]


def lower_x_id() -> str:
    for serial in range(1000):
        candidate = id_number(serial)
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no serial gives X")


def test_a_nasty_file_gives_the_exact_row_report_and_imports_nothing(world, monkeypatch):
    rows = nasty_rows()
    rows[1][1] = lower_x_id().lower()
    report = imports.import_candidates(xlsx(rows), world.institution)

    assert report.problem_keys() == [
        (4, "id_number", "checksum"),
        (5, "id_number", "duplicate_in_file"),
        (6, "name", "required"),
        (7, "phone", "phone"),
        (7, "major", "unknown_major"),
    ]
    assert "row 2" in report.problems[1].message
    assert report.cleaned == [(2, "name"), (3, "name"), (3, "id_number"), (4, "name"), (7, "name")]
    assert (report.rows, report.valid, report.imported) == (6, 2, 0)
    assert Candidate.objects.filter(institution=world.institution).count() == 0


def test_importing_only_the_valid_rows_is_an_explicit_choice(world):
    rows = nasty_rows()
    rows[1][1] = lower_x_id().lower()
    report = imports.import_candidates(xlsx(rows), world.institution, valid_only=True)

    assert report.imported == 2
    imported = {c.id_number: c for c in Candidate.objects.filter(institution=world.institution)}
    assert set(imported) == {id_number(11), lower_x_id()}
    assert imported[lower_x_id()].name == "李雷"  # full-width space gone, X upper-cased
    assert imported[id_number(11)].name == "王小明"
    assert all(c.verification == Verification.PENDING for c in imported.values())
    assert all(
        c.user.role == "candidate" and not c.user.has_usable_password() for c in imported.values()
    )


def test_a_clean_file_imports_every_row(world):
    rows = [
        [f"考生{i}", id_number(100 + i), f"1390000{i:04d}", "HGJL-M", "470201"] for i in range(20)
    ]
    report = imports.import_candidates(xlsx(rows), world.institution)

    assert report.ok and report.imported == 20
    assert Candidate.objects.filter(institution=world.institution, major=world.major).count() == 20


def test_an_id_number_already_in_the_database_is_refused(world, personas):
    rows = [["Carol", personas.carol.id_number, "13800138000", "HGJL-M", "470201"]]
    report = imports.import_candidates(xlsx(rows), world.institution)

    assert report.problem_keys() == [(2, "id_number", "already_registered")]


def test_each_id_number_rule_has_its_own_reason(world):
    valid = id_number(40)
    rows: list[list[object]] = [
        ["甲", valid[:17], "13800138000", "HGJL-M", "470201"],  # row 2 length
        ["乙", "99" + valid[2:], "13800138000", "HGJL-M", "470201"],  # row 3 region
        ["丙", id_number(41, birth="20031332"), "13800138000", "HGJL-M", "470201"],  # row 4
        ["丁", valid[:16] + "A" + valid[17], "13800138000", "HGJL-M", "470201"],  # row 5
        ["戊", int(valid[:15]), "13800138000", "HGJL-M", "470201"],  # row 6 typed as number
        ["己", "１１０１０１" + valid[6:], "13800138000", "HGJL-M", "470201"],  # full-width, ok
    ]
    report = imports.import_candidates(xlsx(rows), world.institution, dry_run=True)

    assert report.problem_keys() == [
        (2, "id_number", "length"),
        (3, "id_number", "region"),
        (4, "id_number", "birth_date"),
        (5, "id_number", "characters"),
        (6, "id_number", "stored_as_number"),
    ]
    assert report.valid == 1 and report.imported == 0


def test_majors_follow_the_code_list_the_organisation_uses(world):
    rows = [["甲", id_number(50), "13800138000", "HGJL-M", "570201"]]
    assert imports.import_candidates(
        xlsx(rows), world.institution, dry_run=True
    ).problem_keys() == [(2, "major", "unknown_major")]
    world.organisation.major_code_list = "old"
    world.organisation.save()
    assert imports.import_candidates(xlsx(rows), world.institution, dry_run=True).ok


def test_a_missing_column_is_reported_on_the_header_row(world):
    report = imports.import_candidates(
        xlsx([["甲", id_number(60), "13800138000", "HGJL-M"]], headers=imports_headers()[:4]),
        world.institution,
    )
    assert report.problem_keys() == [(1, "major", "missing_column")]


def imports_headers() -> list[str]:
    return [c.header for c in imports.COLUMNS]


def test_a_file_that_is_not_a_workbook_is_refused_with_a_clear_message(world):
    with pytest.raises(imports.ImportRefused, match="xlsx"):
        imports.import_candidates(b"name,id\n", world.institution)
