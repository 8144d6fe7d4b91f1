"""Demo data of inspections for ``manage.py seed_demo``: the districts and inspection teams of
annex 3 of the notice (team names and districts only, no real people), a demo university in
Jinshui district, and the demo users' memberships."""

from __future__ import annotations

from accounts.models import User
from accounts.roles import Role
from inspections.models import InspectionTeam, Unit, UnitKind, UnitMembership

DISTRICTS = [
    ("JS", "金水区"),
    ("GC", "管城区"),
    ("ZY", "中原区"),
    ("HJ", "惠济区"),
    ("XY", "荥阳市"),
    ("EQ", "二七区"),
    ("XM", "新密市"),
    ("DF", "登封市"),
    ("XZ", "新郑市"),
    ("ZM", "中牟县"),
    ("ZD", "郑东新区"),
]
# Annex 3, part two: each team and the districts it inspects.
TEAMS = [
    ("第一组", ["JS", "GC"]),
    ("第二组", ["ZY", "HJ", "XY"]),
    ("第三组", ["EQ", "XM", "DF"]),
    ("第四组", ["XZ", "ZM", "ZD"]),
]


def seed(*, inspector: User, university_staff: User, district_staff: User) -> None:
    units = {
        code: Unit.objects.update_or_create(
            code=f"D-{code}", defaults={"name": name, "kind": UnitKind.DISTRICT}
        )[0]
        for code, name in DISTRICTS
    }
    university, _ = Unit.objects.update_or_create(
        code="U-DEMO",
        defaults={"name": "示范职业技术学院", "kind": UnitKind.UNIVERSITY, "parent": units["JS"]},
    )
    for number, (name, codes) in enumerate(TEAMS, start=1):
        # The demo inspector leads team one only, so the other teams' districts stay hidden
        # from them; the other teams get leaders who cannot sign in.
        leader = inspector if number == 1 else _placeholder_inspector(number)
        team, _ = InspectionTeam.objects.update_or_create(name=name, defaults={"leader": leader})
        team.units.set([units[code] for code in codes])
    UnitMembership.objects.get_or_create(unit=university, user=university_staff)
    UnitMembership.objects.get_or_create(unit=units["JS"], user=district_staff)


def _placeholder_inspector(number: int) -> User:
    user, created = User.objects.get_or_create(
        username=f"inspector{number}",
        defaults={"role": Role.INSPECTOR, "first_name": f"督查组{number}组长"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user
