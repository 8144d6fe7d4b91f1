"""The candidate's pages: sign-in, one page per step of the formal flow (R-EXAM-4), the
answering page and the result. Every step page checks that it is the candidate's current step
and otherwise sends them to the one that is: no going back, no skipping."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import role_required
from accounts.roles import Role
from core.errors import as_message
from exams import attempt_sessions, identity, seb, seb_views, services, signin
from exams.forms import CandidateSignInForm
from exams.models import Attempt, Registration
from exams.statuses import FINISHED, AttemptStatus

# The page of each status a candidate works towards (services.next_step).
STEP_PAGES: dict[str, str] = {
    AttemptStatus.INFO_CONFIRMED: "exams:info",
    AttemptStatus.COMMITMENT_SIGNED: "exams:commitment",
    AttemptStatus.IDENTITY_VERIFIED: "exams:identity",
    AttemptStatus.SECOND_VIEW_CONNECTED: "exams:second-view",
    AttemptStatus.ROOM_SCANNED: "exams:room-scan",
    AttemptStatus.WAITING: "exams:waiting",
    AttemptStatus.ANSWERING: "exams:waiting",
}

DEFAULT_COMMITMENT = (
    "本人承诺：遵守考试纪律，独立完成考试；不由他人代考，不使用任何违规设备或资料；"
    "不传播试题及答案；考试全程开启摄像头与麦克风，接受监考与录像。如有违反，愿按"
    "《国家教育考试违规处理办法》接受处理。"
)


def candidate_sign_in(request: HttpRequest) -> HttpResponse:
    form = CandidateSignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result = signin.sign_in(
                request, form.cleaned_data["id_number"], form.cleaned_data["passcode"]
            )
            if result.outcome is signin.Outcome.OK:
                return redirect("exams:exam")
            form.add_error(None, _sign_in_message(result))
            if result.outcome is signin.Outcome.THROTTLED:
                status = 429
            elif result.outcome is signin.Outcome.UNAVAILABLE:
                status = 503
            elif result.outcome is signin.Outcome.ELSEWHERE:
                status = 409
    return render(request, "exams/sign_in.html", {"form": form}, status=status)


def _sign_in_message(result: signin.SignInResult) -> str:
    match result.outcome:
        case signin.Outcome.FAILED:
            # The same words whether the ID number exists, the passcode is wrong or the
            # account is locked: the page must not say who is registered.
            return _(
                "The ID number or the passcode is not right. Check both against the SMS you "
                "received for this exam and try again. If it still fails, contact technical "
                "support."
            )
        case signin.Outcome.NOT_OPEN_YET:
            assert result.sign_in_from is not None
            return _("This exam is not open yet. You can sign in from %(time)s.") % {
                "time": date_format(timezone.localtime(result.sign_in_from), "DATETIME_FORMAT")
            }
        case signin.Outcome.ELSEWHERE:
            return elsewhere_message()
        case _:
            return result.message


def elsewhere_message() -> str:
    return _(
        "This exam is already open on another device. Ask your proctor or technical support "
        "for help; the exam on the other device goes on."
    )


def _registration(request: HttpRequest) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("exam", "candidate", "room__site"),
        pk=request.session.get(signin.SESSION_REGISTRATION),
        candidate__user=request.user,
    )


def page_for(attempt: Attempt) -> str:
    if attempt.status in FINISHED:
        return reverse("exams:result", args=[attempt.pk])
    if attempt.status == AttemptStatus.ANSWERING:
        return reverse("exams:answer")
    step = services.next_step(attempt)
    return reverse(STEP_PAGES[step]) if step else reverse("exams:answer")


StepView = Callable[[HttpRequest, Attempt], HttpResponse]


def _live_attempt(request: HttpRequest) -> Attempt | HttpResponse:
    """The signed-in candidate's attempt in progress, or where the request goes instead: the
    exam's Safe Exam Browser page, or the way in when there is no attempt yet."""
    registration = _registration(request)
    if not seb.request_allowed(request, registration.exam):
        return seb_views.required_response(request, registration.exam)
    attempt = services.current_attempt(registration)
    if attempt is None:
        return redirect("exams:exam")
    return attempt


def _not_confirmed(request: HttpRequest, message: str, page: str) -> HttpResponse:
    """A "go on" from an identity page whose check has not passed: say so, show it again."""
    messages.error(request, message)
    return redirect(page)


def flow_step(page: str) -> Callable[[StepView], Callable[[HttpRequest], HttpResponse]]:
    """A page of the flow (its URL name), shown only while it is the candidate's current page."""

    def decorator(view: StepView) -> Callable[[HttpRequest], HttpResponse]:
        @role_required(Role.CANDIDATE)
        @wraps(view)
        def wrapped(request: HttpRequest) -> HttpResponse:
            attempt = _live_attempt(request)
            if isinstance(attempt, HttpResponse):
                return attempt
            services.advance(attempt)
            refused = _session_refusal(request, attempt)
            if refused is not None:
                return refused
            current = page_for(attempt)
            if current != reverse(page):
                return redirect(current)
            return view(request, attempt)

        return wrapped

    return decorator


@role_required(Role.CANDIDATE)
def exam(request: HttpRequest) -> HttpResponse:
    """The way in: opens the candidate's attempt and sends them to its current step."""
    registration = _registration(request)
    if not seb.request_allowed(request, registration.exam):
        return seb_views.required_response(request, registration.exam)
    latest = services.current_attempt(registration)
    if latest is None:
        try:
            latest = services.open_attempt(registration)
        except services.FlowRefused as refused:
            as_message(request, refused)
            return redirect("home")
    services.advance(latest)
    return _session_refusal(request, latest) or redirect(page_for(latest))


def _session_refusal(request: HttpRequest, attempt: Attempt) -> HttpResponse | None:
    """None when this browser session may use ``attempt`` (``exams.attempt_sessions``);
    otherwise where it goes instead: its own identity check, or the page saying the exam is
    open on another device."""
    match attempt_sessions.access(request, attempt):
        case attempt_sessions.Access.OK:
            return None
        case attempt_sessions.Access.REVERIFY:
            return redirect("exams:reverify")
        case _:
            return render(
                request,
                "exams/open_elsewhere.html",
                {"message": elsewhere_message(), "exam": attempt.registration.exam},
                status=409,
            )


@role_required(Role.CANDIDATE)
def reverify(request: HttpRequest) -> HttpResponse:
    """The identity check again, for a browser session that takes over an attempt past its
    identity step: the check another session passed does not pass to this one."""
    attempt = _live_attempt(request)
    if isinstance(attempt, HttpResponse):
        return attempt
    access = attempt_sessions.access(request, attempt)
    if access is attempt_sessions.Access.OK:
        return redirect(page_for(attempt))
    if access is attempt_sessions.Access.ELSEWHERE:
        return _session_refusal(request, attempt) or redirect(page_for(attempt))
    if request.method == "POST":
        message = _(
            "Your identity has not been confirmed on this device yet. "
            "Take the face check, or ask for a manual review."
        )
        return _not_confirmed(request, message, "exams:reverify")
    return render(
        request,
        "exams/step_reverify.html",
        {**_context(attempt), **identity.links(attempt)},
    )


@flow_step("exams:info")
def info(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    if request.method == "POST":
        services.confirm_information(attempt, request=request)
        return redirect(page_for(attempt))
    return render(
        request,
        "exams/step_info.html",
        {**_context(attempt), "room_scan_min_seconds": settings.ROOM_SCAN_MIN_SECONDS},
    )


@flow_step("exams:commitment")
def commitment(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    text = attempt.registration.exam.commitment_text or DEFAULT_COMMITMENT
    if request.method == "POST":
        accepted = request.POST.get("decision") == "accept"
        if not accepted and request.POST.get("decision") != "decline":
            messages.error(request, _("Choose whether you sign the commitment letter."))
            return redirect("exams:commitment")
        services.answer_commitment(attempt, accepted=accepted, text=text, request=request)
        if not accepted:
            logout(request)
            return render(request, "exams/declined.html")
        return redirect(page_for(attempt))
    return render(request, "exams/step_commitment.html", {**_context(attempt), "text": text})


@flow_step("exams:identity")
def identity_step(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    # Coming back from a passed face check (or an approved review) goes straight on; only a
    # check passed since this browser session signed in counts.
    method = identity.passed(attempt, since=attempt_sessions.signed_in_at(request.session))
    if method:
        services.identity_verified(attempt, method=method, request=request)
        return redirect(page_for(attempt))
    if not attempt.registration.face_consent:
        # Nothing of the face is processed before the candidate has read what and chosen.
        return redirect("identity:consent")
    if request.method == "POST":
        message = _(
            "Your identity has not been confirmed yet. "
            "Take the face check, or ask for a manual review."
        )
        return _not_confirmed(request, message, "exams:identity")
    return render(
        request, "exams/step_identity.html", {**_context(attempt), **identity.links(attempt)}
    )


@flow_step("exams:second-view")
def second_view(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    return render(request, "exams/step_second_view.html", _context(attempt))


@flow_step("exams:room-scan")
def room_scan(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    return render(
        request,
        "exams/step_room_scan.html",
        {**_context(attempt), "room_scan_min_seconds": settings.ROOM_SCAN_MIN_SECONDS},
    )


@flow_step("exams:waiting")
def waiting(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    exam = attempt.registration.exam
    seconds = max(0, int((exam.opens_at - timezone.now()).total_seconds()))
    return render(request, "exams/step_waiting.html", {**_context(attempt), "seconds": seconds})


@flow_step("exams:answer")
def answer(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    earliest = services.earliest_submission(attempt)
    return render(
        request,
        "exams/exam.html",
        {
            **_context(attempt),
            "earliest": earliest,
            # How often screen_share.js samples a still of the shared screen (view 3).
            "screen_still_seconds": settings.SCREEN_STILL_SECONDS,
        },
    )


@role_required(Role.CANDIDATE)
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.of_candidate(request.user).select_related("registration__exam"),
        pk=attempt_id,
    )
    registration = attempt.registration
    best = services.counted_attempt(registration)
    return render(
        request,
        "exams/result.html",
        {
            "attempt": attempt,
            "exam": registration.exam,
            "score_visible": services.score_visible(attempt),
            "best": best if best and services.score_visible(best) else None,
            "attempts_left": services.attempts_left(registration),
            "can_retake": attempt.status in FINISHED
            and services.attempts_left(registration) > 0
            and registration.exam.closes_at > timezone.now(),
        },
    )


@require_POST
@role_required(Role.CANDIDATE)
def retake(request: HttpRequest) -> HttpResponse:
    registration = _registration(request)
    try:
        attempt = services.open_attempt(registration)
    except services.FlowRefused as refused:
        as_message(request, refused)
        return redirect("exams:exam")
    return redirect(page_for(attempt))


def _context(attempt: Attempt) -> dict[str, Any]:
    registration = attempt.registration
    return {
        "attempt": attempt,
        "exam": registration.exam,
        "candidate": registration.candidate,
        "registration": registration,
        "steps": services.required_steps(registration.exam),
    }
