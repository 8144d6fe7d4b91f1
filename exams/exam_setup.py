"""Staff set-up of an exam: creating it and changing its settings, each change audited in its
own transaction.

Once a candidate has signed in to the exam (an attempt exists), the conditions they started
under stay as they were. Only changes that give candidates more, or that touch nothing a
candidate has already seen, are still taken:

- the title;
- the closing time, later only (an earlier close would cut short papers already started, whose
  deadlines were fixed when answering began);
- the attempts allowed, more only;
- when scores are shown.

Everything else (kind, subject, code, the window's opening, early sign-in, duration,
minimum answering time, leave-page policy, camera/phone/room-scan/identity requirements,
shuffling, the commitment letter, the paper) is refused with a message saying so. The exam's AI
rules are not conditions of the candidate and may change at any time
(``proctoring.alert_profile``).
Passcodes are not settings of the exam: each candidate gets their own when the SMS is scheduled
(``exams.passcodes``, the support pages).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record
from core.errors import Refused
from exams.models import Attempt, Exam

# The fields the exam's settings page edits, in the order the page shows them.
SETTINGS_FIELDS = [
    "code",
    "title",
    "kind",
    "subject",
    "opens_at",
    "closes_at",
    "early_sign_in_minutes",
    "duration",
    "min_answer_minutes",
    "max_attempts",
    "score_policy",
    "counted_attempt",
    "flags_visible_to_candidate",
    "appeal_window_days",
    "leave_policy",
    "leave_grace_seconds",
    "requires_identity",
    "allows_self_enrolment",
    "requires_camera",
    "requires_second_view",
    "requires_screen_share",
    "requires_room_scan",
    "view_loss_grace_seconds",
    "shuffle_questions",
    "shuffle_options",
    "commitment_text",
]

# What may still change once candidates have started (see the module's docstring).
# The flags' visibility and the appeal window concern the time after the exam, so they may change
# while it runs.
CHANGEABLE_AFTER_START = (
    "title",
    "closes_at",
    "max_attempts",
    "score_policy",
    "flags_visible_to_candidate",
    "appeal_window_days",
)

AFTER_START_RULE = gettext_lazy(
    "Candidates have started this exam. Only these may still change: the title, the closing "
    "time (later only), the attempts allowed (more only), when scores are shown and whether "
    "candidates see the review's flags and may appeal. The AI "
    "rules may change at any time. Everything else stays as the candidates started it."
)


class SetupRefused(Refused):
    """A change to an exam's set-up that is not allowed; nothing was written."""

    code = "setup_refused"


def started(exam: Exam) -> bool:
    """Whether any candidate has signed in to ``exam`` (an attempt exists)."""
    return Attempt.objects.filter(registration__exam=exam).exists()


def create_exam(data: dict[str, Any], *, by: Any, request: HttpRequest | None = None) -> Exam:
    with transaction.atomic():
        exam = Exam.objects.create(**{name: data[name] for name in SETTINGS_FIELDS})
        record(
            "exam.created",
            actor=by,
            target=exam,
            request=request,
            code=exam.code,
            kind=exam.kind,
            settings={name: _plain(getattr(exam, name)) for name in SETTINGS_FIELDS},
        )
    return exam


def update_exam(
    exam: Exam, data: dict[str, Any], *, by: Any, request: HttpRequest | None = None
) -> list[str]:
    """Apply the settings in ``data``; returns the names of the fields that changed.

    Raises ``SetupRefused`` (and writes nothing) for a change the rule above does not allow."""
    with transaction.atomic():
        locked = Exam.objects.select_for_update().get(pk=exam.pk)
        changes = {
            name: (getattr(locked, name), data[name])
            for name in SETTINGS_FIELDS
            if name in data and _plain(getattr(locked, name)) != _plain(data[name])
        }
        if not changes:
            return []
        if started(locked):
            _check_after_start(changes)
        if changes.keys() & {"opens_at", "closes_at", "duration"}:
            _check_accommodations_fit(locked, changes)
        for name, (_old, new) in changes.items():
            setattr(locked, name, new)
        locked.save(update_fields=list(changes))
        record(
            "exam.updated",
            actor=by,
            target=locked,
            request=request,
            started=started(locked),
            changes={name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()},
        )
    for name in changes:
        setattr(exam, name, getattr(locked, name))
    return list(changes)


def _check_after_start(changes: dict[str, tuple[Any, Any]]) -> None:
    frozen = [name for name in changes if name not in CHANGEABLE_AFTER_START]
    if frozen:
        fields: list[Any] = [Exam._meta.get_field(name) for name in frozen]
        labels = ", ".join(str(field.verbose_name) for field in fields)
        raise SetupRefused(
            _("Candidates have started this exam, so these can no longer change: %(fields)s.")
            % {"fields": labels}
        )
    if "closes_at" in changes and changes["closes_at"][1] < changes["closes_at"][0]:
        raise SetupRefused(
            _(
                "Candidates have started this exam: its closing time may only move later, "
                "since the papers already started keep their deadlines."
            )
        )
    if "max_attempts" in changes and changes["max_attempts"][1] < changes["max_attempts"][0]:
        raise SetupRefused(
            _("Candidates have started this exam: the attempts allowed may only go up.")
        )


def _check_accommodations_fit(exam: Exam, changes: dict[str, tuple[Any, Any]]) -> None:
    """A new window or duration must still hold the longest extra time granted (the rule
    ``exams.accommodations`` applies when the extra time is recorded)."""
    from exams.models import Accommodation

    new = {
        name: changes[name][1] if name in changes else getattr(exam, name)
        for name in ("opens_at", "closes_at", "duration")
    }
    longest = (
        Accommodation.objects.filter(registration__exam=exam).order_by("-extra_minutes").first()
    )
    if longest is None or not longest.extra_minutes:
        return
    if new["opens_at"] + new["duration"] + longest.extra_time > new["closes_at"]:
        raise SetupRefused(
            _(
                "%(name)s has %(extra)s extra minutes (an accommodation), which would no longer "
                "fit in the exam window. Change the accommodation first."
            )
            % {"name": longest.registration.candidate.name, "extra": longest.extra_minutes}
        )


def _plain(value: Any) -> Any:
    """``value`` as it goes into an audit row (JSON) and compares across a form round trip."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    if hasattr(value, "pk"):
        return value.pk
    return value
