"""The attempt inspector and its repairs (R-EMG-4): requeue grading, submit on the candidate's
behalf, correct a stored answer; each repair is audited by ``exams.repairs``."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from audit.models import AuditEntry
from core import search_terms
from core.errors import as_message
from exams import repairs
from exams.models import Attempt, Exam
from exams.statuses import AttemptStatus
from questionbank.models import Question
from support.forms import (
    CorrectAnswerForm,
    ReasonForm,
    parse_response,
)
from support.models import MakeupRequest
from support.views.base import SUPPORT, candidate_search, paginate, rooms_of


def _attempts(request: HttpRequest) -> QuerySet[Attempt]:
    return Attempt.objects.visible_to_staff(request.user).select_related(
        "registration__candidate", "registration__exam", "registration__room"
    )


@role_required(*SUPPORT)
def attempts(request: HttpRequest) -> HttpResponse:
    searched = search_terms.handle(request, keep=("exam", "status"))
    if searched is not None:
        return searched
    q = search_terms.term(request)
    exam = request.GET.get("exam", "")
    status = request.GET.get("status", "")
    rows = _attempts(request).filter(candidate_search("registration__candidate", q))
    if exam.isdigit():
        rows = rows.filter(registration__exam_id=int(exam))
    if status in AttemptStatus.values:
        rows = rows.filter(status=status)
    exams = Exam.objects.filter(registrations__room__in=rooms_of(request.user)).distinct()
    return render(
        request,
        "support/attempts.html",
        {
            "page": paginate(request, rows.order_by("-created_at", "-id")),
            "q": q,
            "exam": exam,
            "status": status,
            "exams": exams,
            "statuses": AttemptStatus.choices,
        },
    )


@role_required(*SUPPORT)
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(_attempts(request), pk=attempt_id)
    questions = Question.objects.in_bulk(attempt.question_ids())
    stored = {a.question_id: a for a in attempt.answers.all()}
    paper = [
        {
            "position": position,
            "question": questions.get(int(item["question"])),
            "points": item["points"],
            "answer": stored.get(int(item["question"])),
        }
        for position, item in enumerate(attempt.paper, start=1)
    ]
    audit = AuditEntry.objects.filter(
        target_type=Attempt._meta.label_lower, target_id=str(attempt.pk)
    ).order_by("at", "id")
    return render(
        request,
        "support/attempt.html",
        {
            "attempt": attempt,
            "registration": attempt.registration,
            "paper": paper,
            "events": attempt.events.all(),
            "audit": audit,
            "makeup_requests": MakeupRequest.objects.filter(attempt=attempt),
            "reason_form": ReasonForm(),
            "correct_help": CorrectAnswerForm.base_fields["response"].help_text,
            "can_requeue": attempt.status in (AttemptStatus.SUBMITTED, AttemptStatus.GRADED),
            "can_submit": attempt.status == AttemptStatus.ANSWERING,
            "can_correct": attempt.status
            in (AttemptStatus.SUBMITTED, AttemptStatus.MARKING, AttemptStatus.GRADED),
        },
    )


@require_POST
@role_required(*SUPPORT)
def attempt_repair(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(_attempts(request), pk=attempt_id)
    action = request.POST.get("action")
    try:
        if action == "requeue":
            repairs.requeue_grading(
                attempt, actor=request.user, request=request, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Grading was started again."))
        elif action == "submit":
            repairs.submit_for_candidate(
                attempt, actor=request.user, request=request, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The paper was submitted on the candidate's behalf."))
        elif action == "correct":
            form = CorrectAnswerForm(request.POST)
            if not form.is_valid():
                raise repairs.RepairRefused(_("Give the question, the answer and a reason."))
            question = Question.objects.filter(pk=form.cleaned_data["question"]).first()
            if question is None:
                raise repairs.RepairRefused(_("This question is not on the candidate's paper."))
            repairs.correct_answer(
                attempt,
                question.pk,
                parse_response(question.kind, form.cleaned_data["response"]),
                actor=request.user,
                request=request,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("The answer was corrected."))
        else:
            raise repairs.RepairRefused(_("Unknown repair."))
    except repairs.RepairRefused as refused:
        as_message(request, refused)
        return redirect("support:attempt", attempt.pk)
    return redirect("support:attempt", attempt.pk)
