from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.access import role_required
from accounts.roles import Role
from exams import services, signin
from exams.forms import CandidateSignInForm
from exams.models import Attempt, Registration
from exams.statuses import FINISHED


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
            if result.outcome is signin.Outcome.RATE_LIMITED:
                status = 429
    return render(request, "exams/sign_in.html", {"form": form}, status=status)


def _sign_in_message(result: signin.SignInResult) -> str:
    match result.outcome:
        case signin.Outcome.UNKNOWN_ID:
            return _(
                "No candidate with this ID number is registered here (user does not exist). "
                "Check the number, and that you opened your own exam site's page."
            )
        case signin.Outcome.LOCKED:
            return _(
                "Your account is locked after too many wrong passcodes. "
                "Contact technical support to have it unlocked."
            )
        case signin.Outcome.WRONG_PASSCODE:
            return _(
                "The passcode is wrong, or it is not that of an exam you are registered for. "
                "%(n)s tries left before the account locks."
            ) % {"n": result.tries_left}
        case signin.Outcome.NOT_OPEN_YET:
            assert result.sign_in_from is not None
            return _("This exam is not open yet. You can sign in from %(time)s.") % {
                "time": date_format(timezone.localtime(result.sign_in_from), "DATETIME_FORMAT")
            }
        case _:
            return _("Too many sign-in attempts. Wait a minute and try again.")


@role_required(Role.CANDIDATE)
def exam(request: HttpRequest) -> HttpResponse:
    registration_id = request.session.get(signin.SESSION_REGISTRATION)
    registration = get_object_or_404(
        Registration.objects.select_related("exam", "candidate"),
        pk=registration_id,
        candidate__user=request.user,
    )
    now = timezone.now()
    if now < registration.exam.opens_at:
        return render(
            request,
            "exams/waiting.html",
            {
                "registration": registration,
                "seconds": int((registration.exam.opens_at - now).total_seconds()),
            },
        )
    attempt = services.start_or_resume(registration, now)
    if attempt.status in FINISHED:
        return redirect("exams:result", attempt_id=attempt.pk)
    return render(
        request,
        "exams/exam.html",
        {"attempt": attempt, "exam": registration.exam, "candidate": registration.candidate},
    )


@role_required(Role.CANDIDATE)
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.of_candidate(request.user).select_related("registration__exam"),
        pk=attempt_id,
    )
    return render(
        request, "exams/result.html", {"attempt": attempt, "exam": attempt.registration.exam}
    )
