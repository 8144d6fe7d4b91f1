"""Each candidate's paper: drawn from the exam's fixed paper or its rules, shuffled with a seed
kept on the attempt, and frozen on the attempt when answering starts (R-EXAM-1)."""

from __future__ import annotations

import random
from itertools import groupby
from typing import TypedDict

from django.db import connection
from django.utils.translation import gettext as _

from exams.models import Attempt, Exam
from questionbank import answers
from questionbank.models import Question, QuestionQuerySet

# Papers keep questions grouped by kind, in this order, as Chinese papers do (一、单选题 …).
KIND_ORDER = [kind.value for kind in Question.Kind]


class PaperEntry(TypedDict):
    question: int
    points: int
    options: list[str]


class PaperError(Exception):
    """The exam's paper cannot be made (a rule asks for more questions than the bank has)."""


def problems(exam: Exam) -> list[str]:
    """What stops this exam's paper from being drawn; empty when it can be."""
    if exam.kind == Exam.Kind.SETUP:
        return []
    if exam.paper_mode == Exam.PaperMode.FIXED:
        return [] if exam.paper_items.exists() else [_("The paper has no questions.")]
    found = []
    rules = list(exam.paper_rules.all())
    if not rules:
        found.append(_("The paper has no rules to draw questions by."))
    for rule in rules:
        available = _pool(exam, rule.kind, rule.difficulty, rule.chapter).count()
        if available < rule.count:
            found.append(
                _("Rule %(n)s asks for %(count)s questions but the bank has %(available)s.")
                % {"n": rule.position, "count": rule.count, "available": available}
            )
    return found


def draw(exam: Exam, seed: int) -> list[PaperEntry]:
    """This candidate's paper: ``[{"question": id, "points": n, "options": [keys]}, ...]``."""
    rng = random.Random(seed)  # noqa: S311 (shuffling, not secrets)
    picked: list[tuple[Question, int]] = []
    if exam.paper_mode == Exam.PaperMode.FIXED:
        for item in exam.paper_items.select_related("question").order_by("position"):
            picked.append((item.question, item.points or item.question.points))
    else:
        for rule in exam.paper_rules.order_by("position"):
            pool = list(_pool(exam, rule.kind, rule.difficulty, rule.chapter).order_by("pk"))
            if len(pool) < rule.count:
                raise PaperError("; ".join(problems(exam)))
            chosen = rng.sample(pool, rule.count)
            picked.extend((q, rule.points or q.points) for q in sorted(chosen, key=lambda q: q.pk))
    if exam.shuffle_questions:
        picked = _shuffle_within_kinds(picked, rng)
    paper: list[PaperEntry] = []
    for question, points in picked:
        if exam.shuffle_options:
            # A generator per question, so a question's option order does not depend on which
            # other questions were drawn before it.
            question_rng = random.Random(f"{seed}:{question.pk}")  # noqa: S311
            order = answers.option_order(question, question_rng)
        else:
            order = question.option_keys()
        paper.append({"question": question.pk, "points": points, "options": order})
    return paper


def _pool(exam: Exam, kind: str, difficulty: int | None, chapter: str) -> QuestionQuerySet:
    pool = Question.objects.active().filter(subject_id=exam.subject_id, kind=kind)
    if difficulty is not None:
        pool = pool.filter(difficulty=difficulty)
    if chapter:
        pool = pool.filter(chapter=chapter)
    return pool


def _shuffle_within_kinds(
    picked: list[tuple[Question, int]], rng: random.Random
) -> list[tuple[Question, int]]:
    ordered = sorted(picked, key=lambda pair: KIND_ORDER.index(pair[0].kind))
    result = []
    for _kind, group in groupby(ordered, key=lambda pair: pair[0].kind):
        items = list(group)
        rng.shuffle(items)
        result.extend(items)
    return result


def sittings_with(question: Question) -> int:
    """How many attempts have ``question`` on their drawn paper (``questionbank.usage``).

    A drawn paper refers to its questions by id and the exam engine keeps those questions in
    memory (``services._question``), so a question on one must never change again.
    """
    attempts = Attempt.objects.exclude(paper=[])
    if connection.features.supports_json_field_contains:
        return attempts.filter(paper__contains=[{"question": question.pk}]).count()
    # SQLite (the embedded default) has no JSON containment: read the papers.
    return sum(
        1
        for paper in attempts.values_list("paper", flat=True).iterator()
        if any(int(item["question"]) == question.pk for item in paper)
    )
