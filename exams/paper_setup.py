"""Staff set-up of an exam's paper: a fixed paper (questions chosen from the subject's bank, in
order, with their points) or rules the paper is drawn by (``PaperRule``). Every change is
checked against the bank, written in one transaction with its audit row, and refused once
candidates have started the exam (``exam_setup.started``): their papers come from it.

Rules of one type may not overlap (two rules that could draw the same question, say "3 single
choice of difficulty 2" and "5 single choice of any difficulty"), because each rule draws on its
own: they must differ in difficulty or chapter, or be merged. Rules that do not overlap only need
each to find enough questions, so a paper that passes here can always be drawn."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from audit.services import record
from exams import papers
from exams.exam_setup import SetupRefused, started
from exams.models import Exam, PaperItem, PaperRule
from questionbank.models import Question


@dataclass(frozen=True)
class Rule:
    kind: str
    difficulty: int | None
    chapter: str
    count: int
    points: int | None


@dataclass(frozen=True)
class KindLine:
    """One type of question on the paper: how many the paper asks, how many the bank has."""

    kind: str
    label: str
    on_paper: int
    in_bank: int
    points: str  # "12", or "8–14" when the rules leave the points to the questions drawn


def _refuse_if_started(exam: Exam) -> None:
    if started(exam):
        raise SetupRefused(
            _("Candidates have started this exam, so its paper can no longer change.")
        )


def _locked(exam: Exam) -> Exam:
    locked = Exam.objects.select_for_update().get(pk=exam.pk)
    _refuse_if_started(locked)
    return locked


def describe(rule: Rule | PaperRule, number: int) -> str:
    """ "Rule 2 (Single choice, difficulty 3, chapter 安全)" for messages."""
    parts = [str(Question.Kind(rule.kind).label)]
    if rule.difficulty is not None:
        parts.append(_("difficulty %(n)s") % {"n": rule.difficulty})
    if rule.chapter:
        parts.append(_("chapter %(name)s") % {"name": rule.chapter})
    return _("Rule %(n)s (%(what)s)") % {"n": number, "what": ", ".join(parts)}


def set_mode(exam: Exam, mode: str, *, by: Any, request: HttpRequest | None = None) -> bool:
    with transaction.atomic():
        locked = _locked(exam)
        if locked.paper_mode == mode:
            return False
        old = locked.paper_mode
        locked.paper_mode = mode
        locked.save(update_fields=["paper_mode"])
        record("exam.paper_mode", actor=by, target=locked, request=request, old=old, new=mode)
    exam.paper_mode = mode
    return True


def add_questions(
    exam: Exam, question_ids: list[int], *, by: Any, request: HttpRequest | None = None
) -> int:
    """Put questions of the exam's subject at the end of its fixed paper; returns how many."""
    with transaction.atomic():
        locked = _locked(exam)
        on_paper = set(locked.paper_items.values_list("question_id", flat=True))
        wanted = [pk for pk in dict.fromkeys(question_ids) if pk not in on_paper]
        found = Question.objects.active().filter(subject_id=locked.subject_id).in_bulk(wanted)
        if len(found) != len(wanted):
            raise SetupRefused(
                _(
                    "Some chosen questions are not in this subject's bank or were retired. "
                    "Reload the page and choose again."
                )
            )
        last = max(locked.paper_items.values_list("position", flat=True), default=0)
        PaperItem.objects.bulk_create(
            PaperItem(exam=locked, question=found[pk], position=last + offset)
            for offset, pk in enumerate(wanted, start=1)
        )
        if wanted:
            record(
                "exam.paper_questions_added",
                actor=by,
                target=locked,
                request=request,
                questions=wanted,
            )
    return len(wanted)


def save_items(
    exam: Exam,
    rows: list[tuple[int, int, int | None, bool]],
    *,
    by: Any,
    request: HttpRequest | None = None,
) -> None:
    """Reorder, re-point and remove questions of the fixed paper. ``rows`` are
    ``(item id, order, points or None, remove)`` for every question on it; questions are
    numbered again 1, 2, … by ``order`` (ties keep their current order)."""
    with transaction.atomic():
        locked = _locked(exam)
        items = {item.pk: item for item in locked.paper_items.all()}
        if {row[0] for row in rows} != set(items):
            raise SetupRefused(
                _("The paper changed while you edited it. Reload the page and try again.")
            )
        kept = sorted(
            (row for row in rows if not row[3]), key=lambda row: (row[1], items[row[0]].position)
        )
        before = [(item.question_id, item.points) for item in items.values()]
        locked.paper_items.all().delete()
        PaperItem.objects.bulk_create(
            PaperItem(
                exam=locked, question_id=items[pk].question_id, position=position, points=points
            )
            for position, (pk, _order, points, _remove) in enumerate(kept, start=1)
        )
        record(
            "exam.paper_items_saved",
            actor=by,
            target=locked,
            request=request,
            before=sorted(before, key=lambda pair: pair[0]),
            after=[[items[pk].question_id, points] for pk, _o, points, _r in kept],
        )


def check_rules(exam: Exam, rules: list[Rule]) -> list[str]:
    """Why ``rules`` cannot make a paper from the exam's bank; empty when they can."""
    problems: list[str] = []
    for number, rule in enumerate(rules, start=1):
        available = _pool(exam, rule).count()
        if available < rule.count:
            problems.append(
                _(
                    "%(rule)s asks for %(count)s questions but the bank has %(available)s "
                    "that fit. Ask for fewer, loosen the rule, or add questions to the bank."
                )
                % {"rule": describe(rule, number), "count": rule.count, "available": available}
            )
    for first in range(len(rules)):
        for second in range(first + 1, len(rules)):
            if _overlap(rules[first], rules[second]):
                problems.append(
                    _(
                        "%(a)s and %(b)s could draw the same questions. Give them different "
                        "difficulties or chapters, or merge them into one rule."
                    )
                    % {
                        "a": describe(rules[first], first + 1),
                        "b": describe(rules[second], second + 1),
                    }
                )
    return problems


def save_rules(
    exam: Exam, rules: list[Rule], *, by: Any, request: HttpRequest | None = None
) -> None:
    """Replace the exam's rules with ``rules`` (in order). Refused, with every problem named,
    when the bank cannot satisfy them."""
    with transaction.atomic():
        locked = _locked(exam)
        problems = check_rules(locked, rules)
        if problems:
            raise SetupRefused(" ".join(problems))
        before = [_rule_json(rule) for rule in locked.paper_rules.order_by("position")]
        locked.paper_rules.all().delete()
        PaperRule.objects.bulk_create(
            PaperRule(
                exam=locked,
                position=position,
                kind=rule.kind,
                difficulty=rule.difficulty,
                chapter=rule.chapter,
                count=rule.count,
                points=rule.points,
            )
            for position, rule in enumerate(rules, start=1)
        )
        record(
            "exam.paper_rules_saved",
            actor=by,
            target=locked,
            request=request,
            before=before,
            after=[_rule_json(rule) for rule in rules],
        )


def summary(exam: Exam) -> list[KindLine]:
    """Per type of question: how many the paper asks for, how many active ones the bank has,
    and the points they bring."""
    bank = Counter(
        Question.objects.active().filter(subject_id=exam.subject_id).values_list("kind", flat=True)
    )
    asked: Counter[str] = Counter()
    low: Counter[str] = Counter()
    high: Counter[str] = Counter()
    if exam.paper_mode == Exam.PaperMode.FIXED:
        for item in exam.paper_items.select_related("question"):
            kind = item.question.kind
            asked[kind] += 1
            points = item.points if item.points is not None else item.question.points
            low[kind] += points
            high[kind] += points
    else:
        for rule in exam.paper_rules.order_by("position"):
            asked[rule.kind] += rule.count
            if rule.points is not None:
                low[rule.kind] += rule.points * rule.count
                high[rule.kind] += rule.points * rule.count
                continue
            values = sorted(_pool(exam, rule).values_list("points", flat=True))
            low[rule.kind] += sum(values[: rule.count])
            high[rule.kind] += sum(values[-rule.count :]) if values else 0
    lines = []
    for kind in papers.KIND_ORDER:
        if asked[kind] or bank[kind]:
            shown = str(low[kind]) if low[kind] == high[kind] else f"{low[kind]}–{high[kind]}"
            lines.append(
                KindLine(kind, str(Question.Kind(kind).label), asked[kind], bank[kind], shown)
            )
    return lines


def totals(lines: list[KindLine]) -> tuple[int, str]:
    """The paper's number of questions and its points ("100" or "96–104")."""
    count = sum(line.on_paper for line in lines)
    low = sum(int(line.points.split("–")[0]) for line in lines)
    high = sum(int(line.points.split("–")[-1]) for line in lines)
    return count, str(low) if low == high else f"{low}–{high}"


def _pool(exam: Exam, rule: Rule | PaperRule) -> Any:
    # The very pool the draw takes from, so what passes here is what candidates get.
    return papers._pool(exam, rule.kind, rule.difficulty, rule.chapter)


def _overlap(a: Rule, b: Rule) -> bool:
    return (
        a.kind == b.kind
        and (a.difficulty is None or b.difficulty is None or a.difficulty == b.difficulty)
        and (not a.chapter or not b.chapter or a.chapter == b.chapter)
    )


def _rule_json(rule: Rule | PaperRule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "difficulty": rule.difficulty,
        "chapter": rule.chapter,
        "count": rule.count,
        "points": rule.points,
    }
