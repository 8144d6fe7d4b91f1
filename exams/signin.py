"""Candidate sign-in with ID number and exam passcode (R-EXAM-3, R-EMG-1, R-EMG-2)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts import lockout
from audit.services import record
from candidates import idnumber
from candidates.models import Candidate
from core import ratelimit
from core.http import client_ip
from exams.models import Registration

SESSION_REGISTRATION = "exam_registration_id"


class Outcome(enum.Enum):
    OK = "ok"
    RATE_LIMITED = "rate_limited"
    UNKNOWN_ID = "unknown_id"
    LOCKED = "locked"
    WRONG_PASSCODE = "wrong_passcode"
    NOT_OPEN_YET = "not_open_yet"


@dataclass
class SignInResult:
    outcome: Outcome
    registration: Registration | None = None
    sign_in_from: dt.datetime | None = None
    tries_left: int | None = None


def sign_in(request: HttpRequest, id_number: str, passcode: str) -> SignInResult:
    """Check the ID number and passcode and, when they match an exam the candidate is registered
    for, sign the candidate in to that exam. Only a wrong passcode counts towards the lock."""
    now = timezone.now()
    limit = settings.LOGIN_RATE_PER_MINUTE
    id_number = idnumber.normalise(id_number)
    if not ratelimit.hit("login-ip", client_ip(request), limit=limit) or not ratelimit.hit(
        "login-id", id_number, limit=settings.LOGIN_FAILURE_LIMIT * 2
    ):
        return SignInResult(Outcome.RATE_LIMITED)
    candidate = Candidate.objects.select_related("user").filter(id_number=id_number).first()
    if candidate is None or not candidate.user.is_active:
        return SignInResult(Outcome.UNKNOWN_ID)
    user = candidate.user
    if user.is_locked:
        return SignInResult(Outcome.LOCKED)
    registrations = Registration.objects.filter(
        candidate=candidate, exam__closes_at__gt=now
    ).select_related("exam")
    matching = [
        r for r in registrations if constant_time_compare(r.exam.passcode, passcode.strip())
    ]
    if not matching:
        if lockout.register_failure(user, request):
            return SignInResult(Outcome.LOCKED)
        return SignInResult(
            Outcome.WRONG_PASSCODE, tries_left=settings.LOGIN_FAILURE_LIMIT - user.failed_logins
        )
    registration = min(matching, key=lambda r: r.exam.opens_at)
    sign_in_from = registration.exam.sign_in_from
    if now < sign_in_from:
        return SignInResult(
            Outcome.NOT_OPEN_YET, registration=registration, sign_in_from=sign_in_from
        )
    lockout.register_success(user)
    login(request, user, backend="accounts.backends.CandidateSessionBackend")
    request.session[SESSION_REGISTRATION] = registration.pk
    record("candidate.signed_in", actor=user, target=registration, request=request)
    return SignInResult(Outcome.OK, registration=registration)
