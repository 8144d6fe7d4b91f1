"""An exam taken in an exam plan's session (场次) must stay inside the plan's exam window and the
session's times; the plan's side lives in the certification app, which links its sessions to
exams with the reverse relation ``plan_sessions``. This module reads that relation only (exams
never imports certification), so moving an exam's window out of a linked session is refused
wherever the exam is validated (its form, the admin)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def linked_bounds(session: Any) -> tuple[dt.datetime, dt.datetime]:
    """The interval an exam of ``session`` must lie in: the session inside the plan's window."""
    plan = session.plan
    return max(plan.exam_opens, session.starts_at), min(plan.exam_closes, session.ends_at)


def check_linked_windows(exam: Any) -> None:
    """Raise ``ValidationError`` on ``opens_at``/``closes_at`` when the exam's window leaves a
    linked session; the message names the session and the times that fit."""
    if exam.pk is None or exam.opens_at is None or exam.closes_at is None:
        return
    sessions = getattr(exam, "plan_sessions", None)
    if sessions is None:
        return
    for session in sessions.select_related("plan"):
        earliest, latest = linked_bounds(session)
        if exam.opens_at < earliest or exam.closes_at > latest:
            message = _(
                "This exam is taken in the session “%(session)s” of the plan “%(plan)s”, so it "
                "must open at %(earliest)s or later and close by %(latest)s. Change the times "
                "to fit, or first unlink the exam from that session on the plan's page."
            ) % {
                "session": session.name,
                "plan": session.plan.name,
                "earliest": _when(earliest),
                "latest": _when(latest),
            }
            raise ValidationError(message, code="outside_linked_session")
