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

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.models import Candidate
from centres.models import Room, Site
from exams.models import Exam, Question, Registration

PASSWORD = "correct horse battery staple"
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


def exam(
    code: str,
    kind: str,
    passcode: str,
    *,
    opens_in: dt.timedelta = dt.timedelta(minutes=-5),
    duration: dt.timedelta = dt.timedelta(minutes=90),
) -> Exam:
    now = timezone.now()
    created = Exam.objects.create(
        code=code,
        title=f"Exam {code}",
        kind=kind,
        passcode=passcode,
        opens_at=now + opens_in,
        closes_at=now + opens_in + dt.timedelta(hours=4),
        duration=duration,
    )
    for position, answer in enumerate(["B", "A", "C"], start=1):
        Question.objects.create(
            exam=created,
            position=position,
            text=f"Question {position}",
            options=[{"key": k, "text": f"Option {k}"} for k in "ABCD"],
            answer=answer,
            points=position,
        )
    return created


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
    formal = exam("FORMAL", Exam.Kind.FORMAL, FORMAL_PASSCODE)
    trial = exam("TRIAL", Exam.Kind.TRIAL, TRIAL_PASSCODE)
    for e in (formal, trial):
        Registration.objects.create(exam=e, candidate=carol, room=room_a)
        Registration.objects.create(exam=e, candidate=dave, room=room_b)
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
