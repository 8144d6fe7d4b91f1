"""Candidate sign-in with ID number and passcode (R-EXAM-3, R-EMG-1, R-EMG-2).

Each registration has its own passcode (``exams.passcodes``). A failed sign-in gets one answer
whatever failed (an unknown ID number, a wrong passcode, an account staff locked), after the
same work (a hash check against a dummy when there is nothing to check), so the page tells a
stranger nothing about who is registered. Failures slow the ID number and the address down
(``accounts.throttle``) and never lock the account or touch a session the candidate has open.
A sign-in to an attempt another session of the candidate holds and keeps alive is refused
(``exams.attempt_sessions``), and the room's proctor hears of it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.contrib.auth import login
from django.http import HttpRequest
from django.utils import timezone

from accounts import lockout, throttle
from audit.services import record
from candidates import idnumber
from candidates.models import Candidate
from exams import attempt_sessions, passcodes, services
from exams.models import Registration

SESSION_REGISTRATION = "exam_registration_id"


class Outcome(enum.Enum):
    OK = "ok"
    THROTTLED = "throttled"  # too many failures: ``retry_after`` seconds to wait
    UNAVAILABLE = "unavailable"  # the delays cannot be checked (Redis away): try again soon
    FAILED = "failed"  # unknown ID number, wrong passcode or locked account: one answer
    NOT_OPEN_YET = "not_open_yet"
    ELSEWHERE = "elsewhere"  # the exam is open in another session of the candidate


@dataclass
class SignInResult:
    outcome: Outcome
    registration: Registration | None = None
    sign_in_from: dt.datetime | None = None
    retry_after: int | None = None
    message: str = ""


def sign_in(request: HttpRequest, id_number: str, passcode: str) -> SignInResult:
    """Check the ID number and passcode and, when they match an exam the candidate is registered
    for, sign the candidate in to that exam in a session of its own."""
    now = timezone.now()
    id_number = idnumber.normalise(id_number)
    try:
        throttle.check_rate(request)
        throttle.check("candidate", id_number, request)
    except throttle.Throttled as refused:
        paused = isinstance(refused, throttle.SignInPaused)
        return SignInResult(
            Outcome.UNAVAILABLE if paused else Outcome.THROTTLED,
            retry_after=refused.retry_after,
            message=str(refused.message),
        )
    candidate = Candidate.objects.select_related("user").filter(id_number=id_number).first()
    user = candidate.user if candidate is not None else None
    registrations: list[Registration] = []
    if user is not None and user.is_active:
        registrations = list(
            Registration.objects.filter(candidate=candidate, exam__closes_at__gt=now)
            .exclude(passcode_hash="")
            .select_related("exam")
        )
    if registrations:
        matching = [r for r in registrations if passcodes.check(passcode, r.passcode_hash)]
    else:
        passcodes.check(passcode, "")  # the same work as a real check: no timing oracle
        matching = []
    if not matching or user is None or user.is_locked:
        if not matching:
            throttle.failed("candidate", id_number, request)
            if user is not None:
                lockout.register_failure(user, request)
        return SignInResult(Outcome.FAILED)
    throttle.succeeded("candidate", id_number)
    registration = min(matching, key=lambda r: r.exam.opens_at)
    sign_in_from = registration.exam.sign_in_from
    if now < sign_in_from:
        return SignInResult(
            Outcome.NOT_OPEN_YET, registration=registration, sign_in_from=sign_in_from
        )
    lockout.register_success(user)
    attempt = services.current_attempt(registration)
    if attempt_sessions.refusal_at_sign_in(attempt, request=request):
        return SignInResult(Outcome.ELSEWHERE, registration=registration)
    login(request, user, backend="accounts.backends.CandidateSessionBackend")
    request.session[SESSION_REGISTRATION] = registration.pk
    attempt_sessions.start(request)
    record("candidate.signed_in", actor=user, target=registration, request=request)
    return SignInResult(Outcome.OK, registration=registration)
