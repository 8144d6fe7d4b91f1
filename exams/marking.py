"""The marking screen (R-EXAM-8): examiners score the written answers of submitted papers.

Markers are the staff of the candidate's exam site and the evaluation organisation; each sees
only the papers of the rooms they may see."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import role_required
from accounts.roles import Role
from core.errors import as_message
from exams import services
from exams.models import Attempt, AttemptQuerySet
from exams.statuses import AttemptStatus
from questionbank.models import Question


def _markable(user: Any) -> AttemptQuerySet:
    return (
        Attempt.objects.visible_to_staff(user)
        .filter(status=AttemptStatus.MARKING)
        .select_related("registration__candidate", "registration__exam", "registration__room")
    )


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def queue(request: HttpRequest) -> HttpResponse:
    attempts = _markable(request.user).order_by("submitted_at")
    page = Paginator(attempts, 50).get_page(request.GET.get("page"))
    return render(request, "exams/marking_queue.html", {"page": page})


@role_required(Role.SITE_ADMIN, Role.ORG_ADMIN)
def mark(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(_markable(request.user), pk=attempt_id)
    points = {int(item["question"]): int(item["points"]) for item in attempt.paper}
    written = Question.objects.filter(pk__in=points, kind=Question.Kind.SHORT_ANSWER)
    responses = dict(
        attempt.answers.filter(question__in=written, response__isnull=False).values_list(
            "question_id", "response"
        )
    )
    items = [
        {
            "question": q,
            "response": responses[q.pk],
            "points": points[q.pk],
            "given": request.POST.get(f"q{q.pk}", ""),
        }
        for q in written
        if q.pk in responses
    ]
    if request.method == "POST":
        try:
            marks = {q.pk: int(request.POST[f"q{q.pk}"]) for q in written if q.pk in responses}
            services.mark(attempt, marks, marker=request.user, request=request)
        except (KeyError, ValueError):
            messages.error(request, _("Enter whole points for every answer."))
        except services.FlowRefused as refused:
            as_message(request, refused)
        else:
            messages.success(
                request, _("Marked. The candidate's score is %(score)s.") % {"score": attempt.score}
            )
            return redirect("exams:marking")
    return render(request, "exams/marking_form.html", {"attempt": attempt, "items": items})
