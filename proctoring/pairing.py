"""The phone as the second camera (view 2; R-PROC-1, the seed's 双机位), paired by QR code.

The candidate's page asks for a code (``issue``): a random token bound to the attempt, valid
for ``PHONE_PAIRING_TTL_SECONDS``, of which only the SHA-256 is stored. A newer code supersedes
the unused older ones. The phone opens the link (``consume``): the code is used once, and the
phone's own session (nobody signs in on the phone) remembers the pairing; the phone paired
before it is superseded, its session no longer counts and its live view-2 connection is told
to close (group ``phone_group``). ``phone_attempt_id(session)`` is what the media process and the
recording upload authorise view 2 with. Everything works only while the attempt is live
(``exams.statuses.STEPS``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from core.errors import Refused
from exams import services, statuses
from exams.models import Attempt
from exams.statuses import AttemptStatus
from proctoring.models import PhonePairing, ViewState

logger = logging.getLogger(__name__)

# The key in the phone's session: the pk of the pairing it made.
SESSION_PAIRING = "phone_pairing"
# 24 random bytes: 192 bits, 32 URL-safe characters, a QR code small enough to scan easily.
TOKEN_BYTES = 24
TOKEN_PATTERN = r"[A-Za-z0-9_-]{32}"  # noqa: S105 (a URL pattern, not a secret)
# Close code for the view-2 connection of a phone another phone has replaced.
CLOSE_REPLACED = 4409


class PairingRefused(Refused):
    """A code that cannot be issued or used; ``message`` tells the person holding the phone."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class Issued:
    token: str
    pairing: PhonePairing

    @property
    def expires_at(self) -> dt.datetime:
        return self.pairing.expires_at


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def phone_group(attempt_id: int) -> str:
    """The channel group of an attempt's view-2 connections (told when a phone is replaced)."""
    return f"phone.{attempt_id}"


def _live(attempt: Attempt) -> bool:
    return attempt.status in statuses.STEPS


def issue(attempt: Attempt) -> Issued:
    """A new code for ``attempt``'s phone; older unused codes stop working. The phone paired
    now (if any) keeps streaming until a phone uses the new code."""
    if not _live(attempt):
        raise PairingRefused("not_live", _("This exam attempt is no longer in progress."))
    if not attempt.registration.exam.requires_second_view:
        raise PairingRefused("not_required", _("This exam does not use a phone camera."))
    # Not before the flow's phone step: a phone streaming earlier would never take that step.
    if services.next_step(attempt) != AttemptStatus.SECOND_VIEW_CONNECTED and statuses.STEPS.index(
        attempt.status
    ) < statuses.STEPS.index(AttemptStatus.SECOND_VIEW_CONNECTED):
        raise PairingRefused(
            "not_yet", _("Finish the steps before the phone camera first, then connect the phone.")
        )
    now = timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        PhonePairing.objects.filter(
            attempt=attempt, used_at__isnull=True, superseded_at__isnull=True
        ).update(superseded_at=now)
        pairing = PhonePairing.objects.create(
            attempt=attempt,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.PHONE_PAIRING_TTL_SECONDS),
        )
    return Issued(token=token, pairing=pairing)


def consume(
    token: str,
    session: SessionBase,
    *,
    user: Any = None,
    user_agent: str = "",
    ip: str | None = None,
) -> PhonePairing:
    """Use the code ``token`` for the phone whose session is ``session``; raises
    ``PairingRefused`` for an unknown, used, superseded or expired code, an attempt that is no
    longer live, or a browser signed in as the attempt's candidate (the exam computer itself,
    which must not become its own second camera; the code stays usable). Two phones opening the
    same link at once: the row lock lets one win."""
    now = timezone.now()
    with transaction.atomic():
        pairing = (
            PhonePairing.objects.select_for_update(of=("self",))
            .select_related("attempt__registration__candidate")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if pairing is None:
            raise PairingRefused(
                "unknown",
                _("This link is not valid. Scan the code shown on the exam computer again."),
            )
        if pairing.used_at is not None:
            raise PairingRefused(
                "used",
                _(
                    "This code has already been used. Scan a new code: on the exam computer, "
                    "press “New code”."
                ),
            )
        if pairing.superseded_at is not None:
            raise PairingRefused(
                "superseded",
                _("A newer code has replaced this one. Scan the code shown on the exam computer."),
            )
        if pairing.expires_at <= now:
            raise PairingRefused(
                "expired",
                _(
                    "This code has expired. Scan a new code: on the exam computer, "
                    "press “New code”."
                ),
            )
        if not _live(pairing.attempt):
            raise PairingRefused("not_live", _("This exam attempt is no longer in progress."))
        if (
            user is not None
            and user.is_authenticated
            and pairing.attempt.registration.candidate.user_id == user.pk
        ):
            raise PairingRefused(
                "exam_computer",
                _(
                    "Open this link on your phone, not on the exam computer: "
                    "scan the code with the phone."
                ),
            )
        replaced = list(
            PhonePairing.objects.filter(
                attempt_id=pairing.attempt_id, used_at__isnull=False, superseded_at__isnull=True
            ).values_list("pk", flat=True)
        )
        PhonePairing.objects.filter(pk__in=replaced).update(superseded_at=now)
        pairing.used_at = now
        pairing.user_agent = user_agent[:300]
        pairing.ip = ip or None
        pairing.save(update_fields=["used_at", "user_agent", "ip"])
        record(
            "attempt.phone_paired",
            target=pairing.attempt,
            pairing=pairing.pk,
            replaced=replaced,
            user_agent=pairing.user_agent,
            ip=pairing.ip,
        )
        session[SESSION_PAIRING] = pairing.pk
        if replaced:
            attempt_id, new_pairing = pairing.attempt_id, pairing.pk
            transaction.on_commit(lambda: _tell_replaced(attempt_id, new_pairing))
    return pairing


def _tell_replaced(attempt_id: int, pairing_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            phone_group(attempt_id), {"type": "phone.replaced", "pairing": pairing_id}
        )
    except Exception:  # a notification only: the replaced phone cannot reconnect anyway
        logger.exception("phone replacement of attempt %s not published", attempt_id)


def phone_pairing(session: SessionBase | Any) -> PhonePairing | None:
    """The pairing in force that ``session`` (a phone's browser) made, while its attempt is
    live; None for any other session."""
    if session is None:
        return None
    pk = session.get(SESSION_PAIRING)
    if not isinstance(pk, int):
        return None
    return (
        PhonePairing.objects.select_related("attempt")
        .filter(
            pk=pk,
            used_at__isnull=False,
            superseded_at__isnull=True,
            attempt__status__in=statuses.STEPS,
        )
        .first()
    )


def phone_attempt_id(session: SessionBase | Any) -> int | None:
    """The attempt the phone's session is paired to while that attempt is live (contract 5)."""
    pairing = phone_pairing(session)
    return pairing.attempt_id if pairing is not None else None


def view_two_connected(attempt_id: int) -> bool:
    """The phone's stream arrived: while the attempt waits for its second view, take that step
    (``services.second_view_connected``). Idempotent; True when this call moved the attempt."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("registration__exam")
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None or services.next_step(attempt) != AttemptStatus.SECOND_VIEW_CONNECTED:
            return False
        services.second_view_connected(attempt)
        return True


def status(attempt: Attempt) -> dict[str, Any]:
    """What the candidate's page shows of the phone: paired (and when), streaming now, and
    whether the flow has gone past the second-view step."""
    pairing = (
        PhonePairing.objects.filter(
            attempt=attempt, used_at__isnull=False, superseded_at__isnull=True
        )
        .only("used_at")
        .first()
    )
    state = ViewState.objects.filter(attempt=attempt, view=2).values_list("connected", flat=True)
    connected = bool(pairing) and bool(state.first())
    return {
        "paired": pairing is not None,
        "paired_at": pairing.used_at.isoformat() if pairing and pairing.used_at else None,
        "connected": connected,
        "step_done": attempt.status not in statuses.STEPS
        or services.next_step(attempt) != AttemptStatus.SECOND_VIEW_CONNECTED,
    }


def qr_svg_data_url(text: str) -> str:
    """``text`` as a QR code, an SVG ``data:`` URL for an ``<img>`` (no markup is injected)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
