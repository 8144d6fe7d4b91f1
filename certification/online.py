"""A plan's sessions taken online: the link from a session (场次) to its exam, the seats that
are the exam's registrations, and the scores that come back from graded attempts.

- **Link.** A session is linked to one exam whose window lies inside the plan's exam window and
  the session's times (the exam's own validation keeps it there afterwards, through
  ``exams.linked_windows``). A link cannot change once a candidate has sat the exam.
- **Seats are registrations.** Every seat of a linked session is the ``Registration`` of its
  candidate in the session's exam, in the seat's room: made, moved and removed with the seat
  (``sync_seat``), or for a whole plan at once by ``register_plan`` (a background job). A
  registration a candidate has used (it has attempts) is never deleted.
- **Scores.** When an attempt of such a registration is graded, the attempt that counts (best
  or last, as the exam says) becomes the plan's score for the enrolment, scaled to 0–100 and
  passed by the plan's pass mark, until the score-entry window closes; ``collect_scores`` does
  the same for a whole plan. Scores stay hidden until the publication window opens, like the
  scores entered by hand for sittings held offline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from certification.models import Enrolment, ExamPlan, ExamSession, Score, Seat
from core.errors import Refused
from exams import services as exam_services
from exams.linked_windows import linked_bounds
from exams.models import Attempt, Exam, Registration
from questionbank.models import Subject

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


class OnlineRefused(Refused):
    """A refusal; ``message`` says why and what to do, for people."""


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- The link ---------------------------------------------------------------------------------


def usable_exams(plan: ExamPlan, user: Any) -> QuerySet[Exam]:
    """Exams ``user`` may put in a session of ``plan``: trial and formal exams of the subjects
    they manage that have not closed before the plan's exam window opened."""
    return (
        Exam.objects.filter(subject__in=Subject.objects.managed_by(user))
        .exclude(kind=Exam.Kind.SETUP)
        .filter(closes_at__gt=plan.exam_opens)
        .select_related("subject")
        .order_by("opens_at", "code")
    )


def check_fits(session: ExamSession, exam: Exam) -> None:
    """Refuse an exam whose window leaves the plan's exam window or the session's times."""
    earliest, latest = linked_bounds(session)
    if exam.opens_at < earliest or exam.closes_at > latest:
        raise OnlineRefused(
            _(
                "The exam “%(exam)s” is open %(opens)s–%(closes)s, but the session “%(session)s” "
                "can take only an exam open between %(earliest)s and %(latest)s (the session's "
                "times inside the plan's exam window). Change the exam's times on its page or "
                "choose another exam."
            )
            % {
                "exam": exam.title,
                "opens": _when(exam.opens_at),
                "closes": _when(exam.closes_at),
                "session": session.name,
                "earliest": _when(earliest),
                "latest": _when(latest),
            }
        )


def _sat(session: ExamSession) -> bool:
    return Attempt.objects.filter(registration__seat__session=session).exists()


def link_exam(session: ExamSession, exam: Exam | None, *, actor: Any, request: Any = None) -> bool:
    """Link ``session`` to ``exam`` (None unlinks). Returns whether the link changed; the seats
    follow through ``register_plan`` (the caller queues it)."""
    plan = session.plan
    if timezone.now() >= plan.exam_closes:
        raise OnlineRefused(_("The plan's exam window has closed; its sessions stay as they are."))
    if session.exam_id == (exam.pk if exam else None):
        return False
    if exam is not None:
        check_fits(session, exam)
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update().get(pk=session.pk)
        if locked.exam_id is not None and _sat(locked):
            raise OnlineRefused(
                _(
                    "Candidates have already sat the exam of the session “%(session)s”, so its "
                    "exam cannot change."
                )
                % {"session": session.name}
            )
        old = locked.exam_id
        ExamSession.objects.filter(pk=session.pk).update(exam=exam)
        session.exam = exam
        record(
            "session.exam_linked",
            actor=actor,
            target=session,
            request=request,
            old=old,
            new=exam.pk if exam else None,
        )
    return True


# --- Seats are registrations ------------------------------------------------------------------


def _has_attempts(registration_id: int) -> bool:
    return Attempt.objects.filter(registration_id=registration_id).exists()


def _drop(registration_id: int) -> None:
    """Delete a registration nobody has used; one with attempts stays (its attempts are the
    record of an exam taken)."""
    if not _has_attempts(registration_id):
        Registration.objects.filter(pk=registration_id).delete()


def sync_seat(seat: Seat) -> None:
    """Make ``seat``'s registration match it: the candidate in the session's exam, in the
    seat's room; none when the session is not linked. Call inside the seat's transaction."""
    exam_id = ExamSession.objects.filter(pk=seat.session_id).values_list("exam_id", flat=True)[0]
    candidate_id = Enrolment.objects.filter(pk=seat.enrolment_id).values_list(
        "candidate_id", flat=True
    )[0]
    current = (
        Registration.objects.filter(pk=seat.registration_id).first()
        if seat.registration_id is not None
        else None
    )
    if current is not None and current.exam_id == exam_id:
        if current.room_id != seat.room_id:
            Registration.objects.filter(pk=current.pk).update(room_id=seat.room_id)
        return
    if current is not None:
        if _has_attempts(current.pk):
            raise OnlineRefused(
                _(
                    "This candidate has already sat the online exam of the seat's session; "
                    "the seat can change room, not session."
                )
            )
        Seat.objects.filter(pk=seat.pk).update(registration=None)
        current.delete()
    registration = None
    if exam_id is not None:
        registration = Registration.objects.filter(
            exam_id=exam_id, candidate_id=candidate_id
        ).first()
        if registration is None:
            registration = Registration.objects.create(
                exam_id=exam_id, candidate_id=candidate_id, room_id=seat.room_id
            )
        else:
            if Seat.objects.filter(registration=registration).exclude(pk=seat.pk).exists():
                raise OnlineRefused(
                    _("The candidate already has a seat for this online exam in another plan.")
                )
            if registration.room_id != seat.room_id:
                Registration.objects.filter(pk=registration.pk).update(room_id=seat.room_id)
    Seat.objects.filter(pk=seat.pk).update(registration=registration)
    seat.registration = registration


def seat_deleted(seat: Seat) -> None:
    """A seat that goes takes its unused registration with it."""
    if seat.registration_id is not None:
        _drop(seat.registration_id)


@dataclass
class RegistrationReport:
    seats: int = 0
    created: int = 0
    moved: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seats": self.seats,
            "created": self.created,
            "moved": self.moved,
            "removed": self.removed,
            "problems": self.problems,
        }


@dataclass
class _Plan:
    """What ``register_plan`` will write, worked out from one read of the plan's seats."""

    report: RegistrationReport
    create: list[tuple[int, int, int, int]] = field(default_factory=list)  # seat, exam, cand, room
    link: dict[int, int] = field(default_factory=dict)  # seat -> existing registration
    move: dict[int, int] = field(default_factory=dict)  # registration -> room
    unlink: list[int] = field(default_factory=list)  # seats
    drop: list[int] = field(default_factory=list)  # registrations


CHUNK = 1000


def _work_out(plan: ExamPlan, progress: ProgressCallback | None) -> _Plan:
    seats = list(
        Seat.objects.filter(session__plan=plan)
        .order_by("pk")
        .values_list(
            "pk",
            "session__exam_id",
            "room_id",
            "enrolment__candidate_id",
            "enrolment__candidate__name",
            "registration_id",
        )
    )
    work = _Plan(RegistrationReport(seats=len(seats)))
    exam_ids = {s[1] for s in seats if s[1] is not None}
    linked_ids = {s[5] for s in seats if s[5] is not None}
    registrations = {
        r[0]: r
        for r in Registration.objects.filter(exam_id__in=exam_ids).values_list(
            "pk", "exam_id", "candidate_id", "room_id"
        )
    }
    registrations.update(
        {
            r[0]: r
            for r in Registration.objects.filter(
                pk__in=linked_ids - set(registrations)
            ).values_list("pk", "exam_id", "candidate_id", "room_id")
        }
    )
    by_key = {(r[1], r[2]): r[0] for r in registrations.values()}
    used = set(
        Attempt.objects.filter(registration_id__in=registrations)
        .values_list("registration_id", flat=True)
        .distinct()
    )
    # Registrations of these exams held by seats of other plans are not ours to take.
    held_elsewhere = set(
        Seat.objects.filter(registration_id__in=registrations)
        .exclude(session__plan=plan)
        .values_list("registration_id", flat=True)
    )
    for index, (seat_id, exam_id, room_id, candidate_id, name, linked) in enumerate(seats, 1):
        current = registrations.get(linked) if linked is not None else None
        if current is not None and current[1] == exam_id:
            if current[3] != room_id:
                work.move[current[0]] = room_id
        else:
            if current is not None:
                if current[0] in used:
                    work.report.problems.append(
                        _(
                            "%(name)s has already sat the online exam of their old session; move "
                            "the seat back or leave that session's exam as it was."
                        )
                        % {"name": name}
                    )
                    continue
                work.unlink.append(seat_id)
                work.drop.append(current[0])
            if exam_id is not None:
                existing = by_key.get((exam_id, candidate_id))
                if existing is None:
                    work.create.append((seat_id, exam_id, candidate_id, room_id))
                elif existing in held_elsewhere:
                    work.report.problems.append(
                        _("%(name)s already has a seat for this online exam in another plan.")
                        % {"name": name}
                    )
                else:
                    work.link[seat_id] = existing
                    if registrations[existing][3] != room_id:
                        work.move[existing] = room_id
        if progress is not None and (index % CHUNK == 0 or index == len(seats)):
            progress(index, len(seats))
    return work


def _update_column(model: Any, column: str, values: Mapping[int, int | None]) -> None:
    """``UPDATE … SET column = v.value FROM (VALUES …) v WHERE id = v.id`` in batches: one
    statement per few thousand rows (Django's bulk_update builds a CASE per row instead)."""
    from django.db import connection

    table = model._meta.db_table
    items = list(values.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), 5000):
            batch = items[start : start + 5000]
            rows = ", ".join(["(%s, %s::bigint)"] * len(batch))
            params = [p for pair in batch for p in pair]
            cursor.execute(
                f'UPDATE "{table}" AS t SET "{column}" = v.value '  # noqa: S608 (names are ours)
                f"FROM (VALUES {rows}) AS v(id, value) WHERE t.id = v.id",
                params,
            )


def register_plan(
    plan: ExamPlan, *, actor: Any, progress: ProgressCallback | None = None
) -> RegistrationReport:
    """Make the registrations of every linked session of ``plan`` match its seats, all or
    nothing. The seats are checked first (reporting progress), then the plan is locked, worked
    out again (a seat moved meanwhile is seen) and written in one transaction."""
    checked = _work_out(plan, progress)
    if checked.report.problems:
        return checked.report
    with transaction.atomic():
        ExamPlan.objects.select_for_update().filter(pk=plan.pk).first()
        work = _work_out(plan, None)
        if work.report.problems:
            return work.report
        if work.unlink:
            _update_column(Seat, "registration_id", dict.fromkeys(work.unlink))
        if work.drop:
            Registration.objects.filter(pk__in=work.drop).delete()
        created = Registration.objects.bulk_create(
            [
                Registration(exam_id=exam_id, candidate_id=candidate_id, room_id=room_id)
                for _seat, exam_id, candidate_id, room_id in work.create
            ],
            batch_size=2000,
        )
        links = dict(work.link)
        links.update({row[0]: reg.pk for row, reg in zip(work.create, created, strict=True)})
        if links:
            _update_column(Seat, "registration_id", links)
        if work.move:
            _update_column(Registration, "room_id", work.move)
        # Registrations no seat holds any more (a session unlinked) go too, unless used.
        work.report.created = len(created)
        work.report.moved = len(work.move)
        work.report.removed = len(work.drop)
        record("plan.registered_online", actor=actor, target=plan, **work.report.as_dict())
    return work.report


# --- Scores -----------------------------------------------------------------------------------


def scaled(attempt: Attempt) -> Decimal:
    """The attempt's points as a plan score from 0 to 100 with one decimal."""
    if not attempt.max_score:
        return Decimal(0)
    value = Decimal(attempt.score or 0) * 100 / Decimal(attempt.max_score)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _store(seat: Seat, registration: Registration) -> Score | None:
    """Put the counted attempt of ``registration`` into the plan's score of ``seat``."""
    plan = seat.enrolment.plan
    if timezone.now() >= plan.score_entry_closes:
        return None  # the scores were reviewed and published; a late grade changes nothing
    attempt = exam_services.counted_attempt(registration)
    if attempt is None:
        return None
    value = scaled(attempt)
    score, _created = Score.objects.update_or_create(
        enrolment=seat.enrolment,
        defaults={
            "value": value,
            "passed": value >= plan.pass_mark,
            "source": Score.Source.ONLINE,
            "attempt": attempt,
        },
    )
    return score


def attempt_graded(sender: Any, attempt: Attempt, registration: Registration, **_: Any) -> None:
    """Receiver of ``exams.signals.attempt_graded``: the score goes into the plan at once. It
    never raises into grading; ``collect_scores`` repairs a score lost here."""
    try:
        with transaction.atomic():
            seat = (
                Seat.objects.filter(registration_id=registration.pk, session__exam__isnull=False)
                .select_related("enrolment__plan")
                .first()
            )
            if seat is None:
                return
            score = _store(seat, registration)
            if score is not None:
                record(
                    "score.online",
                    target=seat.enrolment,
                    attempt=attempt.pk,
                    value=str(score.value),
                )
    except Exception:
        log.exception("the online score of attempt %s was not stored", attempt.pk)


def collect_scores(plan: ExamPlan, *, actor: Any, request: Any = None) -> int:
    """In the score-entry window: take every online score of ``plan`` again from its graded
    attempts (for grades that came before a seat was linked, or a score lost on the way)."""
    from certification import windows

    windows.require(plan, windows.Phase.SCORE_ENTRY)
    seats = Seat.objects.filter(
        session__plan=plan, session__exam__isnull=False, registration__isnull=False
    ).select_related("enrolment__plan", "registration__exam")
    count = 0
    with transaction.atomic():
        for seat in seats.iterator(chunk_size=2000):
            assert seat.registration is not None
            count += _store(seat, seat.registration) is not None
        record("score.collected", actor=actor, target=plan, request=request, count=count)
    return count
