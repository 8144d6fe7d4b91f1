"""R-CERT-10: automatic assignment respects each room's capacity, keeps an institution's
candidates together where it can, keeps existing seats, and manual moves refuse taken seats
and rooms of another site."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from centres.models import Room
from certification import scheduling
from certification.models import Enrolment, ExamSession, Seat
from tests import certification_world

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def setup(personas: Personas):
    world = certification_world.build(personas)
    plan = certification_world.plan(world, "scheduling")
    personas.room_a.capacity, personas.room_b.capacity = 4, 3
    personas.room_a.save()
    personas.room_b.save()
    session = ExamSession.objects.create(
        plan=plan, name="第一场", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    serial = 800
    for institution, count in ((world.other_institution, 3), (world.institution, 5)):
        for _ in range(count):
            serial += 1
            candidate = certification_world.verified_candidate(
                world, serial, f"考生{serial}", personas.site, institution
            )
            Enrolment.objects.create(plan=plan, candidate=candidate, site=personas.site)
    return plan, session, world, personas


def test_seats_respect_capacity_and_keep_institutions_together(setup):
    plan, session, world, personas = setup
    result = scheduling.auto_assign(plan, actor=personas.oscar)
    assert (result.seated, result.unseated) == (7, 1)
    per_room = Counter(Seat.objects.values_list("room__code", flat=True))
    assert per_room == {"A": 4, "B": 3}
    # The larger institution (5) fills room A first and spills one into B; the other follows.
    big = Seat.objects.filter(enrolment__candidate__institution=world.institution)
    assert Counter(big.values_list("room__code", flat=True)) == {"A": 4, "B": 1}

    second = ExamSession.objects.create(
        plan=plan, name="第二场", starts_at=session.starts_at, ends_at=session.ends_at
    )
    again = scheduling.auto_assign(plan, actor=personas.oscar)
    assert (again.seated, again.unseated) == (1, 0)
    assert Seat.objects.filter(session=second).count() == 1


def test_manual_moves_refuse_taken_seats_and_foreign_rooms(setup):
    plan, session, _world, personas = setup
    scheduling.auto_assign(plan, actor=personas.oscar)
    first, second = Seat.objects.filter(room=personas.room_a).order_by("number")[:2]
    with pytest.raises(scheduling.SchedulingRefused):
        scheduling.move(
            first, session=session, room=personas.room_a, number=second.number, actor=None
        )
    with pytest.raises(scheduling.SchedulingRefused):
        scheduling.move(first, session=session, room=personas.room_a, number=99, actor=None)
    foreign = Room.objects.create(site=personas.other_site, code="X", name="X", capacity=10)
    with pytest.raises(scheduling.SchedulingRefused):
        scheduling.move(first, session=session, room=foreign, number=1, actor=None)
    Seat.objects.filter(room=personas.room_b, number=3).delete()
    moved = scheduling.move(first, session=session, room=personas.room_b, number=3, actor=None)
    assert (moved.room_id, moved.number) == (personas.room_b.pk, 3)
