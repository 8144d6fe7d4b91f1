"""Staff pages that set exams up: the list, a new exam, an exam's settings, its paper and a
preview of the paper a candidate would draw. The evaluation organisation (and superusers) set
exams up, as it owns the question banks the papers come from; everyone else gets 403, and an
exam is always fetched through ``Exam.objects.managed_by``. The changes themselves are in
``exam_setup`` and ``paper_setup``."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from core.errors import as_form_error, as_message
from exams import exam_setup, paper_setup, papers
from exams.models import Exam
from exams.setup_forms import BankFilterForm, ExamForm, PaperModeForm, RuleForm
from exams.views import DEFAULT_COMMITMENT
from questionbank.models import Question

BANK_PAGE_SIZE = 50
EXTRA_RULES = 3  # empty rule rows offered under the existing ones


def _exam(request: HttpRequest, exam_id: int) -> Exam:
    return get_object_or_404(
        Exam.objects.managed_by(request.user).select_related("subject"), pk=exam_id
    )


@role_required(Role.ORG_ADMIN)
def exam_list(request: HttpRequest) -> HttpResponse:
    exams = (
        Exam.objects.managed_by(request.user)
        .select_related("subject")
        .annotate(registered=Count("registrations"))
        .order_by("-opens_at", "code")
    )
    page = Paginator(exams, 50).get_page(request.GET.get("page"))
    return render(request, "exams/manage/list.html", {"page": page})


@role_required(Role.ORG_ADMIN)
def exam_new(request: HttpRequest) -> HttpResponse:
    form = ExamForm(
        request.POST or None,
        user=request.user,
        initial={"commitment_text": DEFAULT_COMMITMENT, "duration_minutes": 90},
    )
    if request.method == "POST" and form.is_valid():
        exam = exam_setup.create_exam(form.cleaned_data, by=request.user, request=request)
        messages.success(
            request,
            _("Exam %(code)s is created. Now give it a paper.") % {"code": exam.code}
            if exam.kind != Exam.Kind.SETUP
            else _("Exam %(code)s is created.") % {"code": exam.code},
        )
        return redirect("exams:manage-exam", exam_id=exam.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "exams/manage/new.html", {"form": form}, status=status)


@role_required(Role.ORG_ADMIN)
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    form = ExamForm(request.POST or None, instance=exam, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                changed = exam_setup.update_exam(
                    exam, form.cleaned_data, by=request.user, request=request
                )
            except exam_setup.SetupRefused as refused:
                as_form_error(form, refused)
            else:
                if changed:
                    messages.success(request, _("The exam's settings are saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("exams:manage-exam", exam_id=exam.pk)
        exam.refresh_from_db()  # the page describes the stored exam, not the refused input
    lines = paper_setup.summary(exam)
    count, points = paper_setup.totals(lines)
    context = {
        "exam": exam,
        "form": form,
        "started": exam_setup.started(exam),
        "after_start_rule": exam_setup.AFTER_START_RULE,
        "problems": papers.problems(exam),
        "paper_count": count,
        "paper_points": points,
        "registered": exam.registrations.count(),
    }
    return render(request, "exams/manage/exam.html", context, status=status)


def _chapters(exam: Exam) -> list[str]:
    return list(
        Question.objects.active()
        .filter(subject_id=exam.subject_id)
        .exclude(chapter="")
        .order_by("chapter")
        .values_list("chapter", flat=True)
        .distinct()
    )


RuleFormSet = formset_factory(RuleForm, extra=EXTRA_RULES, can_delete=True)


@role_required(Role.ORG_ADMIN)
def paper(request: HttpRequest, exam_id: int) -> HttpResponse:
    """The paper: its mode, what it asks per type against the bank, and its editor (the fixed
    paper's questions and the bank to add from, or the rules)."""
    exam = _exam(request, exam_id)
    chapters = _chapters(exam)
    rules = RuleFormSet(
        prefix="rules",
        form_kwargs={"chapters": chapters},
        initial=[
            {
                "kind": rule.kind,
                "difficulty": rule.difficulty,
                "chapter": rule.chapter,
                "count": rule.count,
                "points": rule.points,
            }
            for rule in exam.paper_rules.order_by("position")
        ],
    )
    return _paper_page(request, exam, chapters, rules)


def _paper_page(
    request: HttpRequest,
    exam: Exam,
    chapters: list[str],
    rules: Any,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    bank_filter = BankFilterForm(request.GET, chapters=chapters)
    on_paper = exam.paper_items.values_list("question_id", flat=True)
    bank = Question.objects.active().filter(subject_id=exam.subject_id).exclude(pk__in=on_paper)
    if bank_filter.is_valid():
        data = bank_filter.cleaned_data
        if data["q"]:
            bank = bank.matching(data["q"])
        if data["kind"]:
            bank = bank.filter(kind=data["kind"])
        if data["difficulty"]:
            bank = bank.filter(difficulty=data["difficulty"])
        if data["chapter"]:
            bank = bank.filter(chapter=data["chapter"])
    page = Paginator(bank.order_by("id"), BANK_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    lines = paper_setup.summary(exam)
    count, points = paper_setup.totals(lines)
    context = {
        "exam": exam,
        "started": exam_setup.started(exam),
        "mode_form": PaperModeForm(initial={"paper_mode": exam.paper_mode}),
        "items": exam.paper_items.select_related("question").order_by("position"),
        "bank_filter": bank_filter,
        "bank_page": page,
        "query": query.urlencode(),
        "rules": rules,
        "lines": lines,
        "paper_count": count,
        "paper_points": points,
        "problems": papers.problems(exam),
        "error": error,
    }
    return render(request, "exams/manage/paper.html", context, status=status)


def _refused(request: HttpRequest, exam: Exam, refused: exam_setup.SetupRefused) -> HttpResponse:
    as_message(request, refused)
    response = redirect("exams:manage-paper", exam_id=exam.pk)
    response["X-Refused"] = "setup"
    return response


@require_POST
@role_required(Role.ORG_ADMIN)
def paper_mode(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    form = PaperModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a fixed paper or a paper drawn by rules."))
        return redirect("exams:manage-paper", exam_id=exam.pk)
    try:
        paper_setup.set_mode(
            exam, form.cleaned_data["paper_mode"], by=request.user, request=request
        )
    except exam_setup.SetupRefused as refused:
        return _refused(request, exam, refused)
    messages.success(request, _("The paper's kind is saved."))
    return redirect("exams:manage-paper", exam_id=exam.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
def paper_add(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    try:
        chosen = [int(value) for value in request.POST.getlist("question")]
    except ValueError:
        chosen = []
    if not chosen:
        messages.error(request, _("Tick the questions to add first."))
        return redirect("exams:manage-paper", exam_id=exam.pk)
    try:
        added = paper_setup.add_questions(exam, chosen, by=request.user, request=request)
    except exam_setup.SetupRefused as refused:
        return _refused(request, exam, refused)
    messages.success(request, _("%(n)s questions added to the paper.") % {"n": added})
    return redirect("exams:manage-paper", exam_id=exam.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
def paper_items(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    rows: list[tuple[int, int, int | None, bool]] = []
    for item in exam.paper_items.order_by("position"):
        order = request.POST.get(f"order-{item.pk}", "").strip()
        points = request.POST.get(f"points-{item.pk}", "").strip()
        if not order.isdigit() or (points and not points.isdigit()) or int(points or 0) > 100:
            messages.error(
                request,
                _(
                    "Question %(n)s: the order must be a whole number, and the points empty "
                    "or a whole number from 0 to 100."
                )
                % {"n": item.position},
            )
            response = redirect("exams:manage-paper", exam_id=exam.pk)
            response["X-Refused"] = "input"
            return response
        remove = request.POST.get(f"remove-{item.pk}") == "on"
        rows.append((item.pk, int(order), int(points) if points else None, remove))
    try:
        paper_setup.save_items(exam, rows, by=request.user, request=request)
    except exam_setup.SetupRefused as refused:
        return _refused(request, exam, refused)
    messages.success(request, _("The paper is saved."))
    return redirect("exams:manage-paper", exam_id=exam.pk)


@require_POST
@role_required(Role.ORG_ADMIN)
def paper_rules(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    chapters = _chapters(exam)
    rules = RuleFormSet(request.POST, prefix="rules", form_kwargs={"chapters": chapters})
    if not rules.is_valid():
        return _paper_page(
            request,
            exam,
            chapters,
            rules,
            status=400,
            error=_("Some rules are not complete: see the marked fields."),
        )
    wanted = [
        paper_setup.Rule(
            kind=data["kind"],
            difficulty=data["difficulty"],
            chapter=data["chapter"] or "",
            count=data["count"],
            points=data["points"],
        )
        for data in rules.cleaned_data
        if data and not data.get("DELETE")
    ]
    try:
        paper_setup.save_rules(exam, wanted, by=request.user, request=request)
    except exam_setup.SetupRefused as refused:
        response = _paper_page(request, exam, chapters, rules, status=400, error=refused.message)
        response["X-Refused"] = "setup"
        return response
    messages.success(request, _("The paper's rules are saved."))
    return redirect("exams:manage-paper", exam_id=exam.pk)


@role_required(Role.ORG_ADMIN)
def paper_preview(request: HttpRequest, exam_id: int) -> HttpResponse:
    """The paper one sample candidate would get, drawn by the real draw with a seed (the same
    seed gives the same paper; "another candidate" draws with a new one)."""
    exam = _exam(request, exam_id)
    raw = request.GET.get("seed", "")
    seed = int(raw) if raw.isdigit() and int(raw) < 2**31 else secrets.randbelow(2**31)
    problems = papers.problems(exam)
    drawn: list[dict[str, Any]] = []
    if not problems:
        try:
            entries = papers.draw(exam, seed)
        except papers.PaperError as error:
            problems = [str(error)]
            entries = []
        questions = Question.objects.in_bulk([entry["question"] for entry in entries])
        for entry in entries:
            question = questions[entry["question"]]
            options = {str(o["key"]): o for o in question.options}
            drawn.append(
                {
                    "question": question,
                    "points": entry["points"],
                    "options": [(key, options[key]) for key in entry["options"]],
                }
            )
    return render(
        request,
        "exams/manage/preview.html",
        {
            "exam": exam,
            "seed": seed,
            "drawn": drawn,
            "problems": problems,
            "total": sum(item["points"] for item in drawn),
        },
    )
