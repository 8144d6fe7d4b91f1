"""Make-up requests (R-EMG-5): a candidate whose attempt ended abnormally asks for another,
with a screenshot and an explanation; support staff grant one more attempt or refuse with a
reason. The decision moves the request through ``services.transition_to``; a grant adds the
attempt through ``exams.repairs.grant_makeup_attempt``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record
from core.errors import Refused
from exams import repairs
from exams.models import Attempt
from exams.statuses import FINISHED, AttemptStatus
from notifications import services as notifications
from notifications.models import Delivery
from support.models import MakeupRequest
from support.services import transition_to
from support.statuses import MakeupStatus


class MakeupRefused(Refused):
    """A refusal; ``message`` says why, for people."""


def refusal(attempt: Attempt) -> str | None:
    """Why no request can be filed for ``attempt`` now, or None when one can."""
    if attempt.status not in FINISHED or attempt.status == AttemptStatus.DECLINED:
        return _("A make-up attempt can be requested only for an attempt that has ended.")
    if attempt.registration.exam.closes_at <= timezone.now():
        return _("This exam has closed; ask your exam centre about a make-up exam.")
    if MakeupRequest.objects.filter(attempt=attempt, status=MakeupStatus.PENDING).exists():
        return _("Your request for this attempt is being reviewed.")
    return None


def file_request(
    attempt: Attempt,
    *,
    explanation: str,
    screenshot: UploadedFile,
    extension: str,
    request: HttpRequest | None = None,
) -> MakeupRequest:
    """Store the candidate's request; the screenshot is removed again if the write fails."""
    problem = refusal(attempt)
    if problem:
        raise MakeupRefused(problem)
    makeup = MakeupRequest(
        registration=attempt.registration, attempt=attempt, explanation=explanation
    )
    makeup.screenshot.save(f"screenshot.{extension}", screenshot, save=False)
    try:
        with transaction.atomic():
            makeup.save()
            record(
                "support.makeup.requested",
                actor=attempt.registration.candidate.user,
                target=makeup,
                request=request,
                attempt=attempt.pk,
            )
    except IntegrityError:  # a second click while the first was being stored
        makeup.screenshot.delete(save=False)
        raise MakeupRefused(_("Your request for this attempt is being reviewed.")) from None
    except Exception:
        makeup.screenshot.delete(save=False)
        raise
    return makeup


def decide(
    makeup: MakeupRequest,
    *,
    grant: bool,
    reason: str,
    actor: Any,
    request: HttpRequest | None = None,
) -> bool:
    """Grant (one more attempt) or refuse; False when someone else decided first."""
    reason = repairs.clean_reason(reason)
    if makeup.status != MakeupStatus.PENDING:
        return False
    new_status = MakeupStatus.GRANTED if grant else MakeupStatus.REFUSED
    with transaction.atomic():
        moved = transition_to(
            makeup,
            new_status,
            actor=actor,
            request=request,
            reason=reason,
            decided_by=actor,
            decided_at=timezone.now(),
            decision_reason=reason,
        )
        if not moved:
            return False
        if grant:
            repairs.grant_makeup_attempt(
                makeup.registration,
                actor=actor,
                request=request,
                reason=reason,
                makeup_request=makeup.pk,
            )
        _tell_candidate(makeup, grant)
    return True


def _tell_candidate(makeup: MakeupRequest, grant: bool) -> None:
    candidate = makeup.registration.candidate
    if not candidate.phone.strip():
        return
    exam = makeup.registration.exam
    with translation.override(settings.LANGUAGE_CODE):
        body = _granted(exam.title) if grant else _refused(exam.title)
    notifications.queue(
        Delivery.Channel.SMS, candidate.phone, body, purpose="support.makeup_decided", about=makeup
    )


def _granted(title: str) -> str:
    return _(
        "%(title)s: your make-up request was granted. Sign in again and start the new "
        "attempt from your result page."
    ) % {"title": title}


def _refused(title: str) -> str:
    return _("%(title)s: your make-up request was refused. Sign in to read the reason.") % {
        "title": title
    }
