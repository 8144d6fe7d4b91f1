"""The question editor's pages: a new question, a change, a copy of a question candidates have
already been given, each with a preview of the question as the candidate sees it. The
evaluation organisation owns the banks (R-EXAM-1); everyone else gets 403."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import role_required
from accounts.roles import Role
from core.errors import as_form_error
from questionbank import editor
from questionbank.models import Question, Subject


def _question(request: HttpRequest, question_id: int) -> Question:
    return get_object_or_404(
        Question.objects.filter(
            subject__in=Subject.objects.managed_by(request.user)
        ).select_related("subject"),
        pk=question_id,
    )


def _page(
    request: HttpRequest,
    form: editor.QuestionForm,
    subject: Subject,
    *,
    question: Question | None = None,
    copying: bool = False,
) -> HttpResponse:
    # The preview shows what was typed once it passes the checks (a POST with "preview"), or
    # the stored question when the page is first opened.
    preview = form.draft if form.is_bound else question
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "form": form,
        "subject": subject,
        "question": question,
        "copying": copying,
        "in_use": question is not None and not copying and editor.given_to_candidates(question),
        "preview": preview,
    }
    return render(request, "questionbank/question_form.html", context, status=status)


@role_required(Role.ORG_ADMIN)
def new_question(request: HttpRequest, code: str) -> HttpResponse:
    subject = get_object_or_404(Subject.objects.managed_by(request.user), code=code)
    if request.method != "POST":
        return _page(request, editor.QuestionForm(), subject)
    form = editor.QuestionForm(request.POST)
    if not form.is_valid() or "preview" in request.POST or form.draft is None:
        return _page(request, form, subject)
    question = editor.create(subject, form.draft, by=request.user, request=request)
    messages.success(request, _("Question %(id)d is saved.") % {"id": question.pk})
    return redirect("questionbank:bank", code=subject.code)


@role_required(Role.ORG_ADMIN)
def edit_question(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    if request.method != "POST":
        form = editor.QuestionForm(initial=editor.initial_for(question))
        return _page(request, form, question.subject, question=question)
    form = editor.QuestionForm(request.POST)
    if not form.is_valid() or "preview" in request.POST or form.draft is None:
        return _page(request, form, question.subject, question=question)
    try:
        changed = editor.update(question, form.draft, by=request.user, request=request)
    except editor.QuestionInUse as refused:
        as_form_error(form, refused)
        return _page(request, form, question.subject, question=question)
    if changed:
        messages.success(request, _("Question %(id)d is changed.") % {"id": question.pk})
    else:
        messages.info(request, _("Nothing was changed."))
    return redirect("questionbank:bank", code=question.subject.code)


@role_required(Role.ORG_ADMIN)
def copy_question(request: HttpRequest, question_id: int) -> HttpResponse:
    original = _question(request, question_id)
    subject = original.subject
    if request.method != "POST":
        form = editor.QuestionForm(initial=editor.initial_for(original))
        return _page(request, form, subject, question=original, copying=True)
    form = editor.QuestionForm(request.POST)
    if not form.is_valid() or "preview" in request.POST or form.draft is None:
        return _page(request, form, subject, question=original, copying=True)
    replaces = original if request.POST.get("retire_original") else None
    question = editor.create(
        subject, form.draft, by=request.user, request=request, replaces=replaces
    )
    if replaces is not None:
        text = _("Question %(id)d is saved and question %(old)d is retired.")
    else:
        text = _("Question %(id)d is saved.")
    messages.success(request, text % {"id": question.pk, "old": original.pk})
    return redirect("questionbank:bank", code=subject.code)
