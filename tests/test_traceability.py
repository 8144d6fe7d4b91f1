"""docs/traceability.md stays true to the code: every requirement ID a module cites (in a comment
or a docstring) is listed in the table with that module, and every file and test the table lists
exists. The table may list a module that does not cite the ID (it was written from the code and
kept by hand), but never one that is gone, and never miss a citation."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "traceability.md"
ROW = re.compile(r"^\| (R-[A-Z]+-\d+) \|[^|]*\| (.*?) \| (.*?) \|$")
# "R-CERT-2", or a range "R-CERT-2…4" (also written with "..." or an en dash).
CITATION = re.compile(r"R-([A-Z]+)-(\d+)(?:\s*(?:…|\.\.\.|–)\s*(\d+))?")
SOURCES = (".py", ".js", ".html")
SKIPPED = {"tests", "docs", "migrations", "node_modules", "__pycache__"}


def table() -> dict[str, tuple[set[str], set[str]]]:
    rows: dict[str, tuple[set[str], set[str]]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            requirement, code, tests = match.groups()
            rows[requirement] = (
                set(re.findall(r"`([^`]+\.(?:py|js|html))`", code)),
                set(re.findall(r"`([^`]+)`", tests)),
            )
    return rows


def cited(text: str) -> set[str]:
    ids: set[str] = set()
    for area, first, last in CITATION.findall(text):
        ids.update(f"R-{area}-{n}" for n in range(int(first), int(last or first) + 1))
    return ids


def sources() -> list[str]:
    """The project's own source files, relative to the root (no tests, docs or migrations)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED]
        relative = Path(folder).relative_to(ROOT)
        found.extend(str(relative / name) for name in files if name.endswith(SOURCES))
    return found


def citations() -> dict[str, set[str]]:
    """Requirement → the source files that cite it."""
    found: dict[str, set[str]] = {}
    for name in sources():
        for requirement in cited((ROOT / name).read_text(encoding="utf-8")):
            found.setdefault(requirement, set()).add(name)
    return found


def test_the_citation_pattern_reads_single_ids_and_ranges() -> None:
    assert cited("(R-EXAM-9) and R-CERT-2…4, R-ROLE-1...2") == {
        "R-EXAM-9",
        "R-CERT-2",
        "R-CERT-3",
        "R-CERT-4",
        "R-ROLE-1",
        "R-ROLE-2",
    }


def test_every_requirement_the_code_cites_is_in_the_table_with_its_module() -> None:
    rows = table()
    assert len(rows) > 40  # the table was read
    missing = {
        requirement: sorted(files - rows.get(requirement, (set(), set()))[0])
        for requirement, files in citations().items()
        if files - rows.get(requirement, (set(), set()))[0]
    }
    assert not missing, f"cited in the code but not listed in docs/traceability.md: {missing}"


def test_every_file_and_test_the_table_lists_exists() -> None:
    gone = [
        (requirement, name)
        for requirement, (code, tests) in table().items()
        for name in sorted(code | tests)
        if not (ROOT / name).exists()
    ]
    assert not gone, gone
