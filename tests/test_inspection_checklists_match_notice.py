"""The shipped checklists hold every item of both tables of the notice (R-INSP-1).

The notice is parsed here, independently of the data migration: a table is a run of cells,
each starting with a tab; lines without a tab continue the cell before. A row is a section
cell (empty, or the title where a section starts), the question cell (it holds "？"), the due
date and the responsible department (the district table's fourth column, 落实情况, is empty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from inspections.models import ChecklistItem, ChecklistTemplate


def notice_lines() -> list[str]:
    # The source documents sit beside the shared data folder.
    path = Path(settings.SHARED_DATA_DIR).parent / "seeds" / "02-exam-security-inspection.txt"
    assert path.exists(), f"the notice is missing: {path}"
    return path.read_text(encoding="utf-8").split("\n")


@dataclass
class Section:
    title: str
    items: list[dict[str, str]] = field(default_factory=list)


def _cells(lines: list[str]) -> list[str]:
    cells: list[list[str]] = []
    for line in lines:
        if line.startswith("\t"):
            cells.append([line[1:]])
        elif cells:
            cells[-1].append(line)
    return ["\n".join(part.strip() for part in c if part.strip()) for c in cells]


def _item_text(cell: str) -> str:
    out = ""
    for line in cell.split("\n"):
        line = re.sub(r"？1$", "？", line.strip())  # a stray footnote mark in the district table
        if out and out[-1] in "？?":
            out += "\n"
        out += line
    return out


def parse_table(lines: list[str]) -> list[Section]:
    cells = _cells(lines)
    start = cells.index("督查内容") + 3  # past the header row
    sections: list[Section] = []
    expect = "section"  # the column the next cell belongs to
    for cell in cells[start:]:
        if "？" in cell:
            sections[-1].items.append({"text": _item_text(cell), "due": "", "department": ""})
            expect = "due"
        elif expect == "due":
            # A page break leaks the section's title into the date cell: keep the date lines only.
            titles = {s.title for s in sections}
            due = "".join(line for line in cell.split("\n") if line not in titles)
            sections[-1].items[-1]["due"] = due
            expect = "department"
        elif expect == "department":
            sections[-1].items[-1]["department"] = "，".join(cell.split("\n"))
            expect = "section"
        else:
            if cell and (not sections or sections[-1].title != cell):
                sections.append(Section(cell))  # the same title again: a page break
            expect = "item"
    # Empty cells are merged with the one above: a date cell may span rows, and the department
    # cell spans its section (written again after a page break).
    for section in sections:
        for before, item in zip(section.items, section.items[1:], strict=False):
            for key in ("due", "department"):
                item[key] = item[key] or before[key]
    return sections


def tables() -> dict[str, list[Section]]:
    lines = notice_lines()

    def at(heading: str) -> int:
        return next(i for i, line in enumerate(lines) if line.strip() == heading)

    return {
        "zsb-university": parse_table(lines[at("附件 1") : at("附件 2")]),
        "zsb-district": parse_table(lines[at("附件 2") : at("附件 3")]),
    }


def shipped(code: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    template = ChecklistTemplate.objects.get(code=code)
    return [
        (
            section.title,
            [(item.text, item.due, item.department) for item in section.items.all()],
        )
        for section in template.sections.all()
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["zsb-university", "zsb-district"])
def test_every_item_of_the_notice_is_shipped_in_its_section_with_due_and_department(
    code: str,
) -> None:
    expected = [
        (s.title, [(i["text"], i["due"], i["department"]) for i in s.items]) for s in tables()[code]
    ]
    assert shipped(code) == expected


@pytest.mark.django_db
def test_both_checklists_have_the_eight_sections_of_the_requirements() -> None:
    sections = ["组织领导情况", "报名资格审核", "标准化考点建设", "考前教育"]
    sections += ["考点周边环境治理", "试卷安全保密", "考试防疫", "考务管理"]
    parsed = tables()
    for code in parsed:
        assert [s.title for s in parsed[code]] == sections
        assert [title for title, _ in shipped(code)] == sections
    # Counted on the notice's pages by hand, so a parser that loses rows fails too.
    assert sum(len(s.items) for s in parsed["zsb-university"]) == 71
    assert sum(len(s.items) for s in parsed["zsb-district"]) == 52
    assert ChecklistItem.objects.count() == 71 + 52


@pytest.mark.django_db
def test_the_weekly_deadlines_are_those_of_the_notice() -> None:
    university = ChecklistTemplate.objects.get(code="zsb-university")
    district = ChecklistTemplate.objects.get(code="zsb-district")
    assert (university.unit_kind, university.report_weekday, f"{university.report_time:%H:%M}") == (
        "university",
        3,
        "17:00",
    )
    assert (district.unit_kind, district.report_weekday, f"{district.report_time:%H:%M}") == (
        "district",
        4,
        "17:00",
    )
    notice = "\n".join(notice_lines())
    assert "每周四 17:00 前报考区招考机构" in notice
    assert "每周五 17:00 前报市招考中心" in notice
