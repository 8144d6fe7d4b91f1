"""Staff pages of the question banks: subjects, a subject's bank, the editor (new questions,
edits, copies, the preview), retiring and restoring, the import (upload, dry-run report,
confirmation) and the template download. The evaluation
organisation manages banks (R-EXAM-1); everyone else gets 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from core import ratelimit
from core.errors import as_form_error
from questionbank import jobs as question_jobs
from questionbank import services, spreadsheet, staging
from questionbank.forms import BankFilterForm, ImportForm, QuestionForm, SubjectForm
from questionbank.models import Question, Subject

PAGE_SIZE = 50
IMPORTS_PER_MINUTE = 20  # reading a large workbook costs seconds of CPU


def _subject(request: HttpRequest, code: str) -> Subject:
    return get_object_or_404(Subject.objects.managed_by(request.user), code=code)


@role_required(Role.ORG_ADMIN)
def subjects(request: HttpRequest) -> HttpResponse:
    form = SubjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subject = services.create_subject(
            form.cleaned_data["code"], form.cleaned_data["name"], by=request.user, request=request
        )
        messages.success(request, _("Subject %(code)s is created.") % {"code": subject.code})
        return redirect("questionbank:bank", code=subject.code)
    listed = Subject.objects.managed_by(request.user).annotate(
        active_count=Count("questions", filter=Q(questions__retired=False)),
        retired_count=Count("questions", filter=Q(questions__retired=True)),
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "questionbank/subjects.html", {"subjects": listed, "form": form}, status=status
    )


@role_required(Role.ORG_ADMIN)
def bank(request: HttpRequest, code: str) -> HttpResponse:
    subject = _subject(request, code)
    chapters = list(
        subject.questions.exclude(chapter="")
        .order_by("chapter")
        .values_list("chapter", flat=True)
        .distinct()
    )
    form = BankFilterForm(request.GET, chapters=chapters)
    questions = subject.questions.all()
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or "active"
        if status == "active":
            questions = questions.active()
        elif status == "retired":
            questions = questions.retired()
        if data["q"]:
            questions = questions.matching(data["q"])
        if data["kind"]:
            questions = questions.filter(kind=data["kind"])
        if data["difficulty"]:
            questions = questions.filter(difficulty=data["difficulty"])
        if data["chapter"]:
            questions = questions.filter(chapter=data["chapter"])
    else:
        questions = questions.none()
    page = Paginator(questions.order_by("id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "questionbank/bank.html",
        {
            "subject": subject,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "total": subject.questions.count(),
        },
    )


@require_POST
@role_required(Role.ORG_ADMIN)
def retire(request: HttpRequest, question_id: int) -> HttpResponse:
    return _set_retired(request, question_id, retired=True)


@require_POST
@role_required(Role.ORG_ADMIN)
def restore(request: HttpRequest, question_id: int) -> HttpResponse:
    return _set_retired(request, question_id, retired=False)


def _set_retired(request: HttpRequest, question_id: int, *, retired: bool) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.filter(
            subject__in=Subject.objects.managed_by(request.user)
        ).select_related("subject"),
        pk=question_id,
    )
    changed = services.set_retired(question, retired, by=request.user, request=request)
    if changed:
        text = _("Question %(id)d is retired.") if retired else _("Question %(id)d is restored.")
        messages.success(request, text % {"id": question.pk})
    else:
        messages.info(
            request, _("Question %(id)d was already in that state.") % {"id": question.pk}
        )
    # Back to the same page of the bank; only its own filter parameters are carried over.
    back = QueryDict(request.POST.get("back", ""))
    kept = QueryDict(mutable=True)
    for name in ("q", "kind", "difficulty", "chapter", "status", "page"):
        if back.get(name):
            kept[name] = back[name]
    url = reverse("questionbank:bank", kwargs={"code": question.subject.code})
    return redirect(f"{url}?{kept.urlencode()}" if kept else url)


@role_required(Role.ORG_ADMIN)
def import_questions(request: HttpRequest, code: str) -> HttpResponse:
    subject = _subject(request, code)
    form = ImportForm()
    context: dict[str, object] = {"subject": subject, "form": form}
    if request.method != "POST":
        return render(request, "questionbank/import.html", context)
    if not ratelimit.hit("qbank-import", str(request.user.pk), limit=IMPORTS_PER_MINUTE):
        messages.error(request, _("Too many imports in a minute. Wait a minute and try again."))
        return render(request, "questionbank/import.html", context, status=429)

    # Both the check and the import run on a worker (questionbank.jobs): the job page shows
    # the report, with the confirmation form when the check found nothing wrong.
    if request.POST.get("action") == "confirm":
        staged = staging.take(request.user, subject.pk, request.POST.get("token", ""))
        if staged is None:
            messages.error(request, _("The checked file has expired or was imported already."))
            return redirect("questionbank:import", code=subject.code)
        filename, data = staged
        job = question_jobs.start(request.user, subject, filename, data, dry_run=False)
        return redirect("jobs:detail", job_id=job.pk)

    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "questionbank/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    job = question_jobs.start(
        request.user, subject, upload.name or "upload", upload.read(), dry_run=True
    )
    return redirect("jobs:detail", job_id=job.pk)


@role_required(Role.ORG_ADMIN)
def template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        spreadsheet.build_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="question-template.xlsx"'
    return response


# --- The editor -------------------------------------------------------------------------------


def _question(request: HttpRequest, question_id: int) -> Question:
    return get_object_or_404(
        Question.objects.filter(
            subject__in=Subject.objects.managed_by(request.user)
        ).select_related("subject"),
        pk=question_id,
    )


def _chapters(subject: Subject) -> list[str]:
    return list(
        subject.questions.exclude(chapter="")
        .order_by("chapter")
        .values_list("chapter", flat=True)
        .distinct()
    )


def _kind_label(kind: str) -> str:
    return str(Question.Kind(kind).label)


@role_required(Role.ORG_ADMIN)
def new_question(request: HttpRequest, code: str) -> HttpResponse:
    subject = _subject(request, code)
    return render(
        request,
        "questionbank/question_kind.html",
        {"subject": subject, "kinds": Question.Kind.choices},
    )


@role_required(Role.ORG_ADMIN)
def create_question(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    subject = _subject(request, code)
    if kind not in Question.Kind.values:
        raise Http404
    form = QuestionForm(request.POST or None, kind=kind)
    return _editor(request, subject, form, question=None, original=None)


@role_required(Role.ORG_ADMIN)
def copy_question(request: HttpRequest, question_id: int) -> HttpResponse:
    original = _question(request, question_id)
    form = QuestionForm(request.POST or None, kind=original.kind, question=original)
    return _editor(request, original.subject, form, question=None, original=original)


@role_required(Role.ORG_ADMIN)
def edit_question(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    refusal = services.in_use_refusal(question)
    if refusal is not None:
        # No form to fill in and lose: the page says why and offers the copy.
        return render(
            request,
            "questionbank/question_in_use.html",
            {"subject": question.subject, "question": question, "refusal": refusal},
            status=409 if request.method == "POST" else 200,
        )
    form = QuestionForm(request.POST or None, kind=question.kind, question=question)
    return _editor(request, question.subject, form, question=question, original=None)


def _editor(
    request: HttpRequest,
    subject: Subject,
    form: QuestionForm,
    *,
    question: Question | None,
    original: Question | None,
) -> HttpResponse:
    """The editor page for a new question, a copy of ``original`` or an edit of ``question``.
    The Preview button checks the form and shows the question without saving it."""
    context: dict[str, object] = {
        "subject": subject,
        "form": form,
        "question": question,
        "original": original,
        "kind_label": _kind_label(form.kind),
        "chapters": _chapters(subject),
        # A copy of a question that may no longer change retires it unless told otherwise.
        "retire_original": original is not None
        and not original.retired
        and (request.method != "POST" or bool(request.POST.get("retire_original"))),
    }
    if request.method != "POST":
        return render(request, "questionbank/question_form.html", context)
    if not form.is_valid() or form.draft is None:
        return render(request, "questionbank/question_form.html", context, status=400)
    draft = form.draft
    if request.POST.get("action") == "preview":
        context["preview"] = draft.to_question(subject.pk)
        return render(request, "questionbank/question_form.html", context)
    try:
        if question is None:
            replacing = original if context["retire_original"] else None
            question = services.create_question(
                subject, draft, by=request.user, request=request, replacing=replacing
            )
            messages.success(request, _("Question %(id)d is created.") % {"id": question.pk})
            if replacing is not None:
                messages.info(request, _("Question %(id)d is retired.") % {"id": replacing.pk})
        else:
            changed = services.edit_question(question, draft, by=request.user, request=request)
            if changed:
                messages.success(request, _("Question %(id)d is saved.") % {"id": question.pk})
            else:
                messages.info(request, _("Nothing was changed."))
    except services.QuestionInUse as refused:
        # Drawn onto a paper while the form was open.
        as_form_error(form, refused)
        return render(request, "questionbank/question_form.html", context, status=409)
    return redirect("questionbank:question", question_id=question.pk)


@role_required(Role.ORG_ADMIN)
def question_detail(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    return render(
        request,
        "questionbank/question.html",
        {
            "subject": question.subject,
            "question": question,
            "refusal": services.in_use_refusal(question),
        },
    )
