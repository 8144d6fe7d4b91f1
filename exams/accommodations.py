"""Accommodations (issue 16): extra time and relaxed alert rules for one candidate in one exam,
recorded by exam-centre staff before the exam.

Who: a site administrator for the registrations at their site, the evaluation organisation for
every one (``registrations_for``). When: until the candidate starts answering (the deadline is
fixed then, ``services.start_answering``) and while the exam has not closed. What is refused,
with a reason and nothing written: extra time that would end the attempt after the exam window
even for a candidate who starts the moment the exam opens, a relaxation without a reason.
Every change is audited (``accommodation.recorded`` / ``accommodation.removed``) with the
values, not the reason, which may be medical.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.roles import Role
from audit.services import record
from core.errors import Refused
from exams.models import Accommodation, Attempt, Registration

MAX_EXTRA_MINUTES = 600


class AccommodationRefused(Refused):
    code = "accommodation_refused"


@dataclass(frozen=True)
class Requested:
    extra_minutes: int
    screen_reader: bool
    may_leave_seat: bool
    reason: str

    @property
    def empty(self) -> bool:
        return not (self.extra_minutes or self.screen_reader or self.may_leave_seat)


def registrations_for(user: Any) -> QuerySet[Registration]:
    """The registrations whose accommodations ``user`` records: a site administrator's site,
    every one for the evaluation organisation; none for anyone else (proctors only see them)."""
    registrations = Registration.objects.select_related("exam", "candidate", "room__site")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return registrations.none()
    if user.has_role(Role.ORG_ADMIN):
        return registrations
    if user.role == Role.SITE_ADMIN and user.site_id:
        return registrations.filter(room__site_id=user.site_id)
    return registrations.none()


def of(registration: Registration) -> Accommodation | None:
    return Accommodation.objects.filter(registration=registration).first()


def latest_end(registration: Registration, extra_minutes: int) -> dt.datetime:
    """When an attempt started the moment the exam opens would end with this extra time."""
    exam = registration.exam
    return exam.opens_at + exam.duration + dt.timedelta(minutes=extra_minutes)


def check(registration: Registration, wanted: Requested, now: dt.datetime) -> None:
    exam = registration.exam
    if now >= exam.closes_at:
        raise AccommodationRefused(
            _("The exam has closed: its accommodations can no longer change.")
        )
    if Attempt.objects.filter(registration=registration, started_at__isnull=False).exists():
        raise AccommodationRefused(
            _(
                "The candidate has already started answering: the deadline was fixed then. "
                "Record accommodations before the exam."
            )
        )
    if not 0 <= wanted.extra_minutes <= MAX_EXTRA_MINUTES:
        raise AccommodationRefused(
            _("Extra time is between 0 and %(max)s minutes.") % {"max": MAX_EXTRA_MINUTES}
        )
    end = latest_end(registration, wanted.extra_minutes)
    if wanted.extra_minutes and end > exam.closes_at:
        spare = int((exam.closes_at - exam.opens_at - exam.duration).total_seconds() // 60)
        raise AccommodationRefused(
            _(
                "With %(extra)s extra minutes the attempt would end at %(end)s, after the exam "
                "closes at %(closes)s. At most %(spare)s extra minutes fit in the exam window."
            )
            % {
                "extra": wanted.extra_minutes,
                "end": date_format(timezone.localtime(end), "DATETIME_FORMAT"),
                "closes": date_format(timezone.localtime(exam.closes_at), "DATETIME_FORMAT"),
                "spare": max(0, spare),
            }
        )
    if not wanted.empty and not wanted.reason.strip():
        raise AccommodationRefused(_("Give the reason for the accommodation."))


def record_accommodation(
    registration: Registration,
    wanted: Requested,
    *,
    by: Any,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Accommodation | None:
    """Record (or change, or with nothing asked remove) ``registration``'s accommodation.
    Raises ``AccommodationRefused`` and writes nothing when it cannot be granted."""
    now = now or timezone.now()
    with transaction.atomic():
        # The registration's row lock orders this against a second staff member's change and
        # against the candidate's start (which reads the accommodation to set the deadline).
        locked = (
            Registration.objects.select_for_update().select_related("exam").get(pk=registration.pk)
        )
        check(locked, wanted, now)
        current = Accommodation.objects.filter(registration=locked).first()
        before = _values(current)
        old_reason = current.reason if current is not None else None
        if wanted.empty:
            if current is None:
                return None
            current.delete()
            record("accommodation.removed", actor=by, target=locked, request=request, before=before)
            return None
        accommodation = current or Accommodation(registration=locked)
        accommodation.extra_minutes = wanted.extra_minutes
        accommodation.screen_reader = wanted.screen_reader
        accommodation.may_leave_seat = wanted.may_leave_seat
        accommodation.reason = wanted.reason.strip()
        accommodation.recorded_by = by
        accommodation.recorded_at = now
        accommodation.save()
        record(
            "accommodation.recorded",
            actor=by,
            target=locked,
            request=request,
            before=before,
            after=_values(accommodation),
            reason_changed=old_reason != accommodation.reason,
        )
        return accommodation


def _values(accommodation: Accommodation | None) -> dict[str, Any] | None:
    if accommodation is None:
        return None
    return {
        "extra_minutes": accommodation.extra_minutes,
        "screen_reader": accommodation.screen_reader,
        "may_leave_seat": accommodation.may_leave_seat,
    }
