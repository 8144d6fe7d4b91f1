"""The people every test can call on, each with what they may see (STYLE.md: named personas).

- carol   a candidate in room A of site S1: sees only her own attempts.
- dave    a second candidate, in room B of site S1: must never see carol's attempt.
- paula   proctor of room A: sees room A's candidates, nothing of room B.
- pete    proctor of room B: sees room B, nothing of room A.
- sam     site administrator of S1: every room and candidate of S1, can unlock their accounts.
- olga    site administrator of another site S2: sees nothing of S1.
- oscar   evaluation-organisation administrator: every site.
- ingrid  inspector: inspections only, no exam data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.models import Candidate
from centres.models import Room, Site
from exams import passcodes, services
from exams.models import Attempt, Exam, PaperItem, Registration
from questionbank.models import Question, Subject

PASSWORD = "correct horse battery staple"
# Every persona's passcode of the formal and the trial exam. Passcodes are per registration;
# the personas share these two so that tests need not look one up (production generates each).
FORMAL_PASSCODE = "FORMAL-2468"
TRIAL_PASSCODE = "TRIAL-1357"


def make_id_number(first17: str) -> str:
    return first17 + idnumber.check_character(first17)


@dataclass
class Personas:
    site: Site
    other_site: Site
    room_a: Room
    room_b: Room
    carol: Candidate
    dave: Candidate
    paula: User
    pete: User
    sam: User
    olga: User
    oscar: User
    ingrid: User
    formal: Exam
    trial: Exam


def staff(username: str, role: Role, site: Site | None = None) -> User:
    user = User(username=username, role=role, site=site, first_name=username.title())
    user.set_password(PASSWORD)
    user.save()
    return user


def candidate(first17: str, name: str, site: Site) -> Candidate:
    user = User.objects.create(
        username=f"cand-{first17[-6:]}", role=Role.CANDIDATE, first_name=name
    )
    user.set_unusable_password()
    user.save()
    return Candidate.objects.create(
        user=user, id_number=make_id_number(first17), name=name, site=site
    )


def subject() -> Subject:
    return Subject.objects.get_or_create(code="SAFE", defaults={"name": "Safety"})[0]


def exam(
    code: str,
    kind: str,
    *,
    opens_in: dt.timedelta = dt.timedelta(minutes=-5),
    duration: dt.timedelta = dt.timedelta(minutes=90),
    **rules: object,
) -> Exam:
    """An exam with a fixed paper of three single-choice questions (right answers B, A, C worth
    1, 2 and 3 points), in a fixed order unless ``rules`` turn shuffling on. No identity step
    unless ``requires_identity=True``: most tests walk past it. Answering pauses for a lost
    camera only after five minutes (the longest grace), since most browser tests run Chromium
    without a camera; the tests of the pause set their own grace."""
    now = timezone.now()
    settings: dict[str, object] = {
        "shuffle_questions": False,
        "shuffle_options": False,
        "requires_identity": False,
        "view_loss_grace_seconds": 300,
        **rules,
    }
    created = Exam.objects.create(
        code=code,
        title=f"Exam {code}",
        subject=subject(),
        kind=kind,
        opens_at=now + opens_in,
        closes_at=now + opens_in + dt.timedelta(hours=4),
        duration=duration,
        **settings,
    )
    for position, answer in enumerate(["B", "A", "C"], start=1):
        question = Question.objects.create(
            subject=created.subject,
            kind=Question.Kind.SINGLE,
            text=f"{code} question {position}",
            options=[{"key": k, "text": f"Option {k}"} for k in "ABCD"],
            answer=answer,
            points=position,
        )
        PaperItem.objects.create(exam=created, question=question, position=position)
    return created


def register(exam: Exam, candidate: Candidate, room: Room, passcode: str) -> Registration:
    """``candidate`` registered for ``exam`` in ``room``, with ``passcode`` in force."""
    registration = Registration.objects.create(exam=exam, candidate=candidate, room=room)
    passcodes.store(registration, passcode)
    return registration


def give_passcode(exam: Exam, passcode: str) -> None:
    """Every registration of ``exam`` gets ``passcode`` (an exam a test set up itself)."""
    for registration in Registration.objects.filter(exam=exam):
        passcodes.store(registration, passcode)


def answering(registration: Registration) -> Attempt:
    """Walk ``registration``'s candidate through the steps before answering, as the pages do."""
    attempt = services.open_attempt(registration)
    services.confirm_information(attempt)
    services.answer_commitment(attempt, accepted=True, text="I promise.")
    attempt.refresh_from_db()
    assert attempt.status == "answering", attempt.status
    return attempt


def build() -> Personas:
    site = Site.objects.create(code="S1", name="Site one")
    other_site = Site.objects.create(code="S2", name="Site two")
    room_a = Room.objects.create(site=site, code="A", name="Room A")
    room_b = Room.objects.create(site=site, code="B", name="Room B")
    paula = staff("paula", Role.PROCTOR, site)
    pete = staff("pete", Role.PROCTOR, site)
    room_a.proctors.add(paula)
    room_b.proctors.add(pete)
    carol = candidate("11010519900307201", "Carol", site)
    dave = candidate("44030419951212302", "Dave", site)
    formal = exam("FORMAL", Exam.Kind.FORMAL)
    trial = exam("TRIAL", Exam.Kind.TRIAL)
    for e, code in ((formal, FORMAL_PASSCODE), (trial, TRIAL_PASSCODE)):
        register(e, carol, room_a, code)
        register(e, dave, room_b, code)
    return Personas(
        site=site,
        other_site=other_site,
        room_a=room_a,
        room_b=room_b,
        carol=carol,
        dave=dave,
        paula=paula,
        pete=pete,
        sam=staff("sam", Role.SITE_ADMIN, site),
        olga=staff("olga", Role.SITE_ADMIN, other_site),
        oscar=staff("oscar", Role.ORG_ADMIN),
        ingrid=staff("ingrid", Role.INSPECTOR),
        formal=formal,
        trial=trial,
    )


@dataclass
class InspectionPersonas:
    """Exam-security inspection (R-INSP), on top of ``build()``:

    - district_1 (D1) with university_1 (U1); district_2 (D2) with university_2 (U2).
    - uma    staff of U1: sees and answers only U1's reports.
    - vera   staff of U2: sees only U2, nothing of U1.
    - dina   staff of district D1: answers D1's reports, sees U1's (the level above), records
             findings at U1, and hears of U1's overdue items; nothing of D2 or U2.
    - ingrid (inspector) in team one, assigned D1: sees D1 and U1 only.
    - ivan   inspector in team two, assigned D2: sees D2 and U2 only.
    - oscar  (organisation administrator) acts as the city exam centre: sees every unit and
             hears of the districts' overdue items.
    """

    district_1: Any
    district_2: Any
    university_1: Any
    university_2: Any
    uma: User
    vera: User
    dina: User
    ingrid: User
    ivan: User
    oscar: User


def build_inspections(people: Personas) -> InspectionPersonas:
    from inspections.models import InspectionTeam, Unit, UnitKind, UnitMembership

    d1 = Unit.objects.create(code="D1", name="金水区", kind=UnitKind.DISTRICT)
    d2 = Unit.objects.create(code="D2", name="管城区", kind=UnitKind.DISTRICT)
    u1 = Unit.objects.create(code="U1", name="示范学院", kind=UnitKind.UNIVERSITY, parent=d1)
    u2 = Unit.objects.create(code="U2", name="另一学院", kind=UnitKind.UNIVERSITY, parent=d2)
    uma, vera, dina = (staff(name, Role.UNIT_STAFF) for name in ("uma", "vera", "dina"))
    for unit, user in ((u1, uma), (u2, vera), (d1, dina)):
        UnitMembership.objects.create(unit=unit, user=user)
    User.objects.filter(pk=dina.pk).update(email="dina@d1.example")
    User.objects.filter(pk=people.oscar.pk).update(email="oscar@centre.example")
    ivan = staff("ivan", Role.INSPECTOR)
    InspectionTeam.objects.create(name="第一组", leader=people.ingrid).units.add(d1)
    InspectionTeam.objects.create(name="第二组", leader=ivan).units.add(d2)
    people.oscar.refresh_from_db()
    dina.refresh_from_db()
    return InspectionPersonas(d1, d2, u1, u2, uma, vera, dina, people.ingrid, ivan, people.oscar)
