"""Passcodes by SMS (R-EXAM-3): one per registration (a candidate in one exam of one subject),
generated when its SMS is scheduled, re-issued by support.

A passcode is ``PASSCODE_LENGTH`` characters drawn with ``secrets`` from ``ALPHABET``, which
leaves out the characters people misread on a phone (0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V). Only
a keyed hash is stored (``Registration.passcode_hash``); the plaintext exists only in the body
of the SMS that carries it. Scheduling again for a message still waiting gives it a new
passcode; a re-issue replaces the passcode in force, so an older SMS no longer works.

S1 sends the formal passcode at 18:00 the day before the exam. Scheduling goes through
``notifications.services.queue`` with one delivery per registration (``about`` the
registration, purpose ``exam.passcode``), so scheduling again never sends twice: a message still
waiting is moved to the new time, one already sent is left alone. A re-issue (purpose
``exam.passcode_reissue``) goes only to the phone number on the candidate's record, after the
member of staff recorded how they checked the caller's identity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from audit.services import record
from core import ratelimit
from core.errors import Refused
from exams.models import Exam, Registration
from notifications import services as notifications
from notifications.models import Delivery

# No look-alikes: 0 O Q D, 1 I L, 2 Z, 5 S, 8 B, U V are left out. 21 characters, 10 of them:
# about 44 bits, against online guessing slowed down by ``accounts.throttle``.
ALPHABET = "ACEFGHJKMNPRTWXY34679"
PASSCODE_LENGTH = 10
HASH_SCHEME = "hmac-sha256"

PURPOSE = "exam.passcode"
REISSUE_PURPOSE = "exam.passcode_reissue"

# How support can confirm that a caller is the candidate (R-EXAM-3); at least two are needed.
IDENTITY_CHECKS: dict[str, Any] = {
    "id_number": gettext_lazy("The caller read out the full ID number"),
    "name": gettext_lazy("The name matches the record"),
    "phone": gettext_lazy("The caller confirmed the registered phone number"),
    "photo": gettext_lazy("The face on camera matches the ID photo"),
    "institution": gettext_lazy("The institution or training centre confirmed the candidate"),
}
MIN_IDENTITY_CHECKS = 2


class PasscodeRefused(Refused):
    """A refusal; ``message`` says why, for people."""


@dataclass(frozen=True)
class ScheduleResult:
    queued: int  # new messages
    moved: int  # messages still waiting, moved to the new time
    already_sent: int  # left alone: the candidate has the passcode
    without_phone: int  # candidates who cannot be reached by SMS


def normalise(passcode: str) -> str:
    """What a candidate typed, as it is compared: capitals, without spaces or dashes (an SMS
    read aloud or copied may carry either)."""
    return "".join(ch for ch in passcode.upper() if ch.isalnum())


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSCODE_LENGTH))


# Why a keyed HMAC and not one of Django's password hashers: the passcode is random (about 44
# bits, not a word a person chose), valid only until its exam closes, and every try is slowed
# down per ID number and per address (``accounts.throttle``), so a slow hash would buy nothing
# against online guessing while costing a PBKDF2 run per open registration at the moment a
# whole exam signs in at once. Against a stolen database the key is what protects: it is
# derived from SECRET_KEY, which is not in the database, and each row has its own salt, so one
# digest says nothing about another.
def _digest(secret: str, salt: str, passcode: str) -> str:
    key = hashlib.sha256(f"exams.passcodes:{secret}".encode()).digest()
    return hmac.new(key, f"{salt}${normalise(passcode)}".encode(), hashlib.sha256).hexdigest()


def make_hash(passcode: str) -> str:
    salt = secrets.token_hex(16)
    return f"{HASH_SCHEME}${salt}${_digest(settings.SECRET_KEY, salt, passcode)}"


# A hash of nothing anyone holds: checked when no registration matches, so a sign-in with an
# unknown ID number does the same work as one with a wrong passcode.
_DUMMY_SALT = "0" * 32


def check(passcode: str, stored: str) -> bool:
    """Whether ``passcode`` is the one ``stored`` was made from (an empty ``stored``, a
    registration without a passcode, never matches). Keys of SECRET_KEY_FALLBACKS still
    verify, so rotating the secret does not invalidate passcodes already sent."""
    scheme, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    matched = False
    if scheme != HASH_SCHEME or not salt or not digest:
        salt, digest = _DUMMY_SALT, ""
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        matched |= hmac.compare_digest(_digest(str(secret), salt, passcode), digest)
    return matched and bool(normalise(passcode))


def store(registration: Registration, passcode: str) -> None:
    """Make ``passcode`` the one in force for ``registration`` (the earlier one stops working)."""
    now = timezone.now()
    hashed = make_hash(passcode)
    Registration.objects.filter(pk=registration.pk).update(
        passcode_hash=hashed, passcode_issued_at=now
    )
    registration.passcode_hash, registration.passcode_issued_at = hashed, now


def issue(registration: Registration) -> str:
    """A new random passcode for ``registration``, stored hashed; the plaintext is returned
    once, for the message that carries it, and kept nowhere else."""
    passcode = generate()
    store(registration, passcode)
    return passcode


def about(registration: Registration) -> str:
    return f"{registration._meta.label_lower}:{registration.pk}"


def registrations_for(user: Any, exam: Exam) -> QuerySet[Registration]:
    """The registrations of ``exam`` whose passcodes ``user`` handles: a site administrator
    those at their site, the evaluation organisation every one."""
    registrations = Registration.objects.filter(exam=exam)
    if not user.is_authenticated or not user.is_active:
        return registrations.none()
    if user.has_role(Role.ORG_ADMIN):
        return registrations
    if user.role == Role.SITE_ADMIN and user.site_id:
        return registrations.filter(room__site_id=user.site_id)
    return registrations.none()


def default_send_time(exam: Exam) -> dt.datetime:
    """S1's rule: 18:00 local time the day before the exam opens."""
    day_before = timezone.localtime(exam.opens_at).date() - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day_before, dt.time(18, 0)))


def message(exam: Exam, passcode: str) -> str:
    # Candidates read the SMS in the platform's language, whoever scheduled it.
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "%(title)s: your exam passcode is %(passcode)s. Sign in with your ID number and this "
            "passcode from %(time)s. Do not share it."
        ) % {
            "title": exam.title,
            "passcode": passcode,
            "time": timezone.localtime(exam.sign_in_from).strftime("%m-%d %H:%M"),
        }


def schedule(
    exam: Exam,
    send_at: dt.datetime,
    *,
    actor: Any,
    request: HttpRequest | None = None,
) -> ScheduleResult:
    """Schedule the passcode SMS of every registration ``actor`` handles for ``send_at``."""
    if send_at >= exam.closes_at:
        raise PasscodeRefused(_("The passcode must be sent before the exam closes."))
    queued = moved = already_sent = without_phone = 0
    with transaction.atomic():
        # Two members of staff scheduling at once must not both queue a message.
        Exam.objects.select_for_update().get(pk=exam.pk)
        registrations = registrations_for(actor, exam).select_related("candidate")
        abouts = {about(r): r for r in registrations}
        existing: dict[str, list[Delivery]] = {}
        for delivery in Delivery.objects.filter(purpose=PURPOSE, about__in=list(abouts)):
            existing.setdefault(delivery.about, []).append(delivery)
        for key, registration in abouts.items():
            phone = registration.candidate.phone.strip()
            deliveries = existing.get(key, [])
            if any(d.status in (Delivery.Status.SENT, Delivery.Status.SENDING) for d in deliveries):
                already_sent += 1
                continue
            waiting = [d for d in deliveries if d.status == Delivery.Status.QUEUED]
            if waiting:
                # A new passcode in the moved message: the old body is overwritten, so no
                # plaintext outlives the message that carries it.
                Delivery.objects.filter(pk__in=[d.pk for d in waiting]).update(
                    scheduled_for=send_at, body=message(exam, issue(registration))
                )
                moved += 1
                continue
            if not phone:
                without_phone += 1
                continue
            notifications.queue(
                Delivery.Channel.SMS,
                phone,
                message(exam, issue(registration)),
                purpose=PURPOSE,
                about=registration,
                scheduled_for=send_at,
            )
            queued += 1
        result = ScheduleResult(queued, moved, already_sent, without_phone)
        record(
            "exam.passcodes_scheduled",
            actor=actor,
            target=exam,
            request=request,
            send_at=send_at.isoformat(),
            queued=queued,
            moved=moved,
            already_sent=already_sent,
            without_phone=without_phone,
        )
    return result


def reissue(
    registration: Registration,
    *,
    actor: Any,
    checks: list[str],
    notes: str = "",
    request: HttpRequest | None = None,
) -> Delivery:
    """Send the candidate a new passcode, now, to the phone on the candidate's record; the one
    in force before stops working.

    ``checks`` are keys of ``IDENTITY_CHECKS`` the member of staff ticked; at least
    ``MIN_IDENTITY_CHECKS`` are needed. Limited per registration (a caller cannot have the SMS
    sent over and over) and audited with the checks and notes."""
    checks = sorted(set(checks))
    if any(check not in IDENTITY_CHECKS for check in checks):
        raise PasscodeRefused(_("Unknown identity check."))
    if len(checks) < MIN_IDENTITY_CHECKS:
        raise PasscodeRefused(
            _("Confirm the caller's identity in at least %(n)s ways before re-issuing.")
            % {"n": MIN_IDENTITY_CHECKS}
        )
    notes = notes.strip()
    if len(notes) > 500:
        raise PasscodeRefused(_("Notes can have at most 500 characters."))
    exam = registration.exam
    if exam.closes_at <= timezone.now():
        raise PasscodeRefused(_("This exam has closed; its passcode is no longer needed."))
    phone = registration.candidate.phone.strip()
    if not phone:
        raise PasscodeRefused(
            _("The candidate has no phone number on record; the passcode cannot be sent.")
        )
    if not ratelimit.hit(
        "passcode-reissue",
        str(registration.pk),
        limit=settings.SUPPORT_PASSCODE_REISSUES_PER_HOUR,
        window_seconds=3600,
    ):
        raise PasscodeRefused(
            _("The passcode was re-issued to this candidate several times this hour. Try later.")
        )
    with transaction.atomic():
        Registration.objects.select_for_update().get(pk=registration.pk)
        body = message(exam, issue(registration))
        delivery = notifications.queue(
            Delivery.Channel.SMS,
            phone,
            body,
            purpose=REISSUE_PURPOSE,
            about=registration,
        )
        # A scheduled message not sent yet would carry the passcode just replaced: it carries
        # the new one instead, so whichever arrives first works.
        Delivery.objects.filter(
            purpose=PURPOSE, about=about(registration), status=Delivery.Status.QUEUED
        ).update(body=body)
        record(
            "exam.passcode_reissued",
            actor=actor,
            target=registration,
            request=request,
            checks=checks,
            notes=notes,
            delivery=delivery.pk,
        )
    return delivery


def deliveries(registrations: QuerySet[Registration]) -> QuerySet[Delivery]:
    """The passcode messages (scheduled and re-issued) about ``registrations``."""
    label = Registration._meta.label_lower
    keys = [f"{label}:{pk}" for pk in registrations.values_list("pk", flat=True)]
    return Delivery.objects.filter(purpose__in=[PURPOSE, REISSUE_PURPOSE], about__in=keys)
