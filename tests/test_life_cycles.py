"""Every life cycle is declared the one way (``core.lifecycle.LifeCycle``): its table names every
state, every move outside the table raises ``IllegalTransition``, and ``core`` stays a leaf that
imports no project app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import models

from candidates import statuses as candidates
from centres import statuses as centres
from certification import statuses as certification
from core.lifecycle import IllegalTransition, LifeCycle
from exams import statuses as exams
from inspections import statuses as inspections
from jobs import statuses as jobs
from proctoring import statuses as proctoring
from review import statuses as review
from support import statuses as support
from vision import statuses as vision

CYCLES: list[tuple[LifeCycle, type[models.TextChoices]]] = [
    (candidates.VERIFICATION, candidates.Verification),
    (centres.SITE, centres.SiteStatus),
    (certification.CERTIFICATE, certification.CertificateStatus),
    (exams.ATTEMPT, exams.AttemptStatus),
    (inspections.RECTIFICATION, inspections.RectificationStatus),
    (jobs.JOB, jobs.JobStatus),
    (proctoring.ALERT, proctoring.AlertStatus),
    (review.REVIEW, review.ReviewStatus),
    (review.APPEAL, review.AppealStatus),
    (support.CONVERSATION, support.ConversationStatus),
    (support.MAKEUP, support.MakeupStatus),
    (vision.ENROLMENT, vision.EnrolmentStatus),
    (exams.CHECK, exams.CheckStatus),
]
ILLEGAL = [
    (cycle, old, new) for cycle, choices in CYCLES for old, new in cycle.illegal(choices.values)
]


@pytest.mark.parametrize(("cycle", "choices"), CYCLES, ids=lambda v: getattr(v, "kind", ""))
def test_every_state_is_in_its_table(cycle: LifeCycle, choices: type[models.TextChoices]) -> None:
    assert cycle.states == set(choices.values)
    for targets in cycle.allowed.values():
        assert targets <= cycle.states


@pytest.mark.parametrize(("cycle", "old", "new"), ILLEGAL)
def test_every_move_outside_the_table_raises(cycle: LifeCycle, old: str, new: str) -> None:
    with pytest.raises(IllegalTransition) as raised:
        cycle.check(old, new)
    assert (raised.value.kind, raised.value.old, raised.value.new) == (cycle.kind, old, new)


def test_every_move_in_the_table_passes() -> None:
    for cycle, _choices in CYCLES:
        for old, targets in cycle.allowed.items():
            for new in targets:
                cycle.check(old, new)


def test_a_state_outside_the_table_allows_no_move() -> None:
    with pytest.raises(IllegalTransition, match="an attempt cannot move from 'lost' to"):
        exams.ATTEMPT.check("lost", exams.AttemptStatus.ANSWERING)


def test_core_imports_no_project_app() -> None:
    root = Path(__file__).resolve().parent.parent
    apps = {p.parent.name for p in root.glob("*/apps.py")} | {"config"}
    found = []
    for source in (root / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found += [f"{source.name}: {n}" for n in names if n.split(".")[0] in apps - {"core"}]
    assert found == []
