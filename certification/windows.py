"""The five windows of an exam plan (R-CERT-8) and the check every action makes.

Every action names its phase; ``require`` raises ``OutsideWindow`` with a message that says
when the window opens or that it has closed. The server checks the window on every request (a
direct POST outside the UI gets the same refusal); the role is checked by the view.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Refused

if TYPE_CHECKING:
    from certification.models import ExamPlan


class Phase(models.TextChoices):
    REGISTRATION = "registration", gettext_lazy("Registration")
    SCHEDULING = "scheduling", gettext_lazy("Scheduling")
    EXAM = "exam", gettext_lazy("Exam")
    SCORE_ENTRY = "score_entry", gettext_lazy("Score entry")
    PUBLICATION = "publication", gettext_lazy("Score publication")


ORDER = [Phase.REGISTRATION, Phase.SCHEDULING, Phase.EXAM, Phase.SCORE_ENTRY, Phase.PUBLICATION]


class OutsideWindow(Refused):
    """A refusal; ``message`` says why, for people."""


def bounds(plan: ExamPlan, phase: str) -> tuple[dt.datetime, dt.datetime]:
    return getattr(plan, f"{phase}_opens"), getattr(plan, f"{phase}_closes")


def is_open(plan: ExamPlan, phase: str, now: dt.datetime | None = None) -> bool:
    opens, closes = bounds(plan, phase)
    now = now or timezone.now()
    return opens <= now < closes


def require(plan: ExamPlan, phase: str, now: dt.datetime | None = None) -> None:
    """Raise ``OutsideWindow`` unless ``phase`` of ``plan`` is open at ``now``."""
    now = now or timezone.now()
    opens, closes = bounds(plan, phase)
    label = Phase(phase).label
    if now < opens:
        raise OutsideWindow(
            _("The %(phase)s window of “%(plan)s” opens at %(when)s.")
            % {"phase": label, "plan": plan.name, "when": _when(opens)}
        )
    if now >= closes:
        raise OutsideWindow(
            _("The %(phase)s window of “%(plan)s” closed at %(when)s.")
            % {"phase": label, "plan": plan.name, "when": _when(closes)}
        )


def require_ended(plan: ExamPlan, now: dt.datetime | None = None) -> None:
    """Certificates are issued after the plan ended, that is after score publication."""
    now = now or timezone.now()
    if now < plan.publication_closes:
        raise OutsideWindow(
            _("Certificates can be signed after the plan ends at %(when)s.")
            % {"when": _when(plan.publication_closes)}
        )


def current(plan: ExamPlan, now: dt.datetime | None = None) -> str | None:
    now = now or timezone.now()
    for phase in ORDER:
        if is_open(plan, phase, now):
            return phase
    return None


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")
