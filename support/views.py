"""Pages of technical support: the staff's chat queue, attempt inspector, make-up requests,
passcode delivery and device checks; the candidate's make-up request and device check.

Every object is fetched through a scoped queryset, so another site's object is a 404."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from audit.models import AuditEntry
from candidates.models import Candidate
from core import ratelimit
from exams import passcodes, repairs
from exams.models import Attempt, Exam, Registration
from exams.statuses import AttemptStatus
from notifications.models import Delivery
from questionbank.models import Question
from support import chat, devicecheck, makeup
from support.forms import (
    CorrectAnswerForm,
    DecisionForm,
    MakeupRequestForm,
    ReasonForm,
    ReissueForm,
    ScheduleForm,
    parse_response,
)
from support.models import Conversation, DeviceCheck, MakeupRequest
from support.statuses import ConversationStatus, MakeupStatus

SUPPORT = (Role.SITE_ADMIN, Role.ORG_ADMIN)
PAGE_SIZE = 30


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _candidate_search(field: str, text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    return Q(**{f"{field}__name__icontains": text}) | Q(
        **{f"{field}__id_number__startswith": text.upper()}
    )


# --- Chat (R-EXAM-11) -------------------------------------------------------------------------


@role_required(*SUPPORT)
def conversations(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ConversationStatus.OPEN)
    q = request.GET.get("q", "")
    rows = (
        Conversation.objects.visible_to(request.user)
        .with_unread()
        .select_related("candidate", "site")
        .filter(_candidate_search("candidate", q))
    )
    if status in ConversationStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "support/conversations.html",
        {
            "page": _page(request, rows.order_by("-unread", "-last_message_at")),
            "status": status,
            "q": q,
            "statuses": ConversationStatus.choices,
        },
    )


@role_required(*SUPPORT)
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = get_object_or_404(
        Conversation.objects.visible_to(request.user).select_related("candidate", "site"),
        pk=conversation_id,
    )
    candidate = found.candidate
    return render(
        request,
        "support/conversation.html",
        {
            "conversation": found,
            "candidate": candidate,
            "registrations": Registration.objects.filter(candidate=candidate)
            .filter(room__in=_rooms(request.user))
            .select_related("exam", "room"),
            "device_check": DeviceCheck.objects.filter(candidate=candidate).first(),
            "max_chars": settings.SUPPORT_CHAT_MAX_CHARS,
            "socket_url": f"/ws/support/conversations/{found.pk}/",
        },
    )


@require_POST
@role_required(*SUPPORT)
def close_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = get_object_or_404(Conversation.objects.visible_to(request.user), pk=conversation_id)
    if found.status == ConversationStatus.OPEN:
        chat.close(request.user, found, request=request)
        messages.success(request, _("The conversation is closed."))
    return redirect("support:conversations")


def _rooms(user: Any) -> QuerySet[Any]:
    from centres.models import Room

    return Room.objects.visible_to(user)


# --- Attempt inspector and repairs (R-EMG-4) ---------------------------------------------------


def _attempts(request: HttpRequest) -> QuerySet[Attempt]:
    return Attempt.objects.visible_to_staff(request.user).select_related(
        "registration__candidate", "registration__exam", "registration__room"
    )


@role_required(*SUPPORT)
def attempts(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    exam = request.GET.get("exam", "")
    status = request.GET.get("status", "")
    rows = _attempts(request).filter(_candidate_search("registration__candidate", q))
    if exam.isdigit():
        rows = rows.filter(registration__exam_id=int(exam))
    if status in AttemptStatus.values:
        rows = rows.filter(status=status)
    exams = Exam.objects.filter(registrations__room__in=_rooms(request.user)).distinct()
    return render(
        request,
        "support/attempts.html",
        {
            "page": _page(request, rows.order_by("-created_at", "-id")),
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
        messages.error(request, refused.message)
        return redirect("support:attempt", attempt.pk)
    return redirect("support:attempt", attempt.pk)


# --- Make-up requests (R-EMG-5) ----------------------------------------------------------------


@role_required(Role.CANDIDATE)
def makeup_new(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.of_candidate(request.user).select_related("registration__exam"),
        pk=attempt_id,
    )
    problem = makeup.refusal(attempt)
    form = MakeupRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            makeup.file_request(
                attempt,
                explanation=form.cleaned_data["explanation"],
                screenshot=form.cleaned_data["screenshot"],
                extension=form.extension,
                request=request,
            )
        except makeup.MakeupRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Your request was sent. Support will review it."))
        return redirect("exams:result", attempt.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "support/makeup_new.html",
        {"attempt": attempt, "exam": attempt.registration.exam, "form": form, "problem": problem},
        status=status,
    )


def _makeups(request: HttpRequest) -> QuerySet[MakeupRequest]:
    return MakeupRequest.objects.visible_to(request.user).select_related(
        "registration__candidate", "registration__exam", "attempt", "decided_by"
    )


@role_required(*SUPPORT)
def makeup_requests(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", MakeupStatus.PENDING)
    q = request.GET.get("q", "")
    rows = _makeups(request).filter(_candidate_search("registration__candidate", q))
    if status in MakeupStatus.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "support/makeup_requests.html",
        {
            "page": _page(request, rows.order_by("created_at", "id")),
            "status": status,
            "q": q,
            "statuses": MakeupStatus.choices,
        },
    )


@role_required(*SUPPORT)
def makeup_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    found = get_object_or_404(_makeups(request), pk=request_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decided = makeup.decide(
                found,
                grant=form.cleaned_data["decision"] == "grant",
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except repairs.RepairRefused as refused:
            form.add_error("reason", refused.message)
        else:
            if decided:
                messages.success(request, _("The decision was recorded."))
            else:
                messages.error(request, _("Someone else decided this request first."))
            return redirect("support:makeup", found.pk)
    return render(
        request,
        "support/makeup_detail.html",
        {"makeup": found, "form": form, "attempt": found.attempt},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.CANDIDATE, *SUPPORT)
def makeup_screenshot(request: HttpRequest, request_id: int) -> Any:  # a FileResponse
    found = get_object_or_404(MakeupRequest.objects.visible_to(request.user), pk=request_id)
    if not found.screenshot:
        raise Http404
    response = FileResponse(found.screenshot.open("rb"))
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Passcodes (R-EXAM-3) ----------------------------------------------------------------------


def _exams(request: HttpRequest) -> QuerySet[Exam]:
    return Exam.objects.filter(registrations__room__in=_rooms(request.user)).distinct()


@role_required(*SUPPORT)
def passcode_exams(request: HttpRequest) -> HttpResponse:
    rows = _exams(request).order_by("-opens_at")
    return render(request, "support/passcode_exams.html", {"page": _page(request, rows)})


@role_required(*SUPPORT)
def passcode_exam(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(_exams(request), pk=exam_id)
    form = ScheduleForm(
        request.POST or None,
        initial={"send_at": timezone.localtime(passcodes.default_send_time(exam))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = passcodes.schedule(
                exam, form.cleaned_data["send_at"], actor=request.user, request=request
            )
        except passcodes.PasscodeRefused as refused:
            form.add_error("send_at", refused.message)
        else:
            messages.success(
                request,
                _(
                    "Scheduled: %(queued)s new, %(moved)s moved to the new time, %(sent)s already "
                    "sent, %(missing)s without a phone number."
                )
                % {
                    "queued": result.queued,
                    "moved": result.moved,
                    "sent": result.already_sent,
                    "missing": result.without_phone,
                },
            )
            return redirect("support:passcode-exam", exam.pk)
    registrations = passcodes.registrations_for(request.user, exam)
    q = request.GET.get("q", "")
    status = request.GET.get("status", "")
    log = passcodes.deliveries(registrations)
    if status in Delivery.Status.values:
        log = log.filter(status=status)
    if q.strip():
        matching = registrations.filter(_candidate_search("candidate", q))
        log = log.filter(about__in=[passcodes.about(r) for r in matching])
    page = _page(request, log.order_by("-scheduled_for", "-id"))
    by_about = {
        passcodes.about(r): r
        for r in registrations.select_related("candidate", "room").filter(
            pk__in=[int(d.about.rsplit(":", 1)[1]) for d in page.object_list]
        )
    }
    counts = dict(
        passcodes.deliveries(registrations)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "support/passcode_exam.html",
        {
            "exam": exam,
            "form": form,
            "page": page,
            "rows": [(d, by_about.get(d.about)) for d in page.object_list],
            "registrations": registrations.select_related("candidate", "room").order_by(
                "candidate__name"
            )[:500],
            "q": q,
            "status": status,
            "statuses": Delivery.Status.choices,
            "counts": [(v, label, counts.get(v, 0)) for v, label in Delivery.Status.choices],
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(*SUPPORT)
def passcode_reissue(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = get_object_or_404(
        Registration.objects.filter(room__in=_rooms(request.user)).select_related(
            "candidate", "exam", "room"
        ),
        pk=registration_id,
    )
    form = ReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit("passcode-reissue-staff", str(request.user.pk), limit=30):
            form.add_error(None, _("Too many re-issues. Wait a minute and try again."))
        else:
            try:
                passcodes.reissue(
                    registration,
                    actor=request.user,
                    checks=form.cleaned_data["checks"],
                    notes=form.cleaned_data["notes"],
                    request=request,
                )
            except passcodes.PasscodeRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(
                    request, _("The passcode was sent to the candidate's registered phone.")
                )
                return redirect("support:passcode-exam", registration.exam_id)
    return render(
        request,
        "support/passcode_reissue.html",
        {
            "registration": registration,
            "candidate": registration.candidate,
            "form": form,
            "masked_phone": _mask_phone(registration.candidate.phone),
        },
        status=400 if request.method == "POST" else 200,
    )


def _mask_phone(phone: str) -> str:
    phone = phone.strip()
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else phone


# --- Device check (R-EXAM-10) ------------------------------------------------------------------


def device_check(request: HttpRequest) -> HttpResponse:
    """Open to everyone (linked from the sign-in page); measuring the upload and keeping the
    result need a signed-in candidate."""
    user: Any = request.user
    is_candidate = user.is_authenticated and user.role == Role.CANDIDATE
    return render(
        request,
        "support/device_check.html",
        {
            "is_candidate": is_candidate,
            "min_upload": settings.SUPPORT_MIN_UPLOAD_MB_PER_S,
            "chunk_bytes": settings.SUPPORT_SPEED_TEST_MAX_BYTES,
        },
    )


@require_POST
def speed_test(request: HttpRequest) -> HttpResponse:
    """Reads and discards the body, so the browser can time its upload."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "sign_in"}, status=401)
    if not ratelimit.hit(
        "speed-test", str(request.user.pk), limit=settings.SUPPORT_SPEED_TEST_PER_MINUTE
    ):
        return JsonResponse({"error": "rate_limited"}, status=429)
    received = devicecheck.discard_body(request)
    if received is None:
        return JsonResponse(
            {"error": "too_large", "limit": settings.SUPPORT_SPEED_TEST_MAX_BYTES}, status=413
        )
    return JsonResponse({"received": received})


@require_POST
@role_required(Role.CANDIDATE)
def device_check_result(request: HttpRequest) -> HttpResponse:
    if not ratelimit.hit("device-check", str(request.user.pk), limit=10):
        return JsonResponse({"error": "rate_limited"}, status=429)
    candidate = get_object_or_404(Candidate, user=request.user)
    try:
        report = json.loads(request.body[:4096] or b"null")
        check = devicecheck.record_check(candidate, report, request)
    except (ValueError, devicecheck.CheckRefused) as bad:
        return JsonResponse({"error": "invalid", "detail": str(bad)[:200]}, status=400)
    return JsonResponse(
        {
            "id": check.pk,
            "browser": check.browser,
            "os": check.os,
            "browser_ok": check.browser_ok,
            "upload_ok": check.upload_ok,
            "passed": check.passed,
        },
        status=201,
    )


@role_required(*SUPPORT)
def device_checks(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    result = request.GET.get("result", "")
    rows = DeviceCheck.objects.visible_to(request.user).select_related("candidate")
    rows = rows.filter(_candidate_search("candidate", q))
    if result == "passed":
        rows = rows.filter(passed=True)
    elif result == "failed":
        rows = rows.filter(passed=False)
    return render(
        request,
        "support/device_checks.html",
        {
            "page": _page(request, rows.order_by("-created_at", "-id")),
            "q": q,
            "result": result,
            "min_upload": settings.SUPPORT_MIN_UPLOAD_MB_PER_S,
        },
    )
