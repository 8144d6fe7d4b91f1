"""The exam's AI rules page (``alert_profile``): the same people who set the exam up (the
evaluation organisation and superusers, ``Exam.objects.managed_by``) choose them; others 403."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from exams.models import Exam
from proctoring import alert_profile
from proctoring.alerts import rules_for
from proctoring.models import AlertRules


def _exam(request: HttpRequest, exam_id: int) -> Exam:
    return get_object_or_404(Exam.objects.managed_by(request.user), pk=exam_id)


@role_required(Role.ORG_ADMIN)
def alert_rules(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    rules = rules_for(exam)
    form = alert_profile.ProfileForm(request.POST or None, rules=rules)
    if request.method == "POST" and form.is_valid():
        if alert_profile.save(exam, form.profile(), by=request.user, request=request):
            messages.success(request, _("The exam's AI rules are saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("proctoring:alert-rules", exam_id=exam.pk)
    return render(
        request,
        "proctoring/alert_rules.html",
        {
            "exam": exam,
            "form": form,
            "customised": AlertRules.objects.filter(exam=exam).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def alert_rules_reset(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = _exam(request, exam_id)
    if alert_profile.reset(exam, by=request.user, request=request):
        messages.success(request, _("The exam's AI rules are back to the defaults."))
    return redirect("proctoring:alert-rules", exam_id=exam.pk)
