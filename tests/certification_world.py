"""Builders for the administration tests (R-CERT): an evaluation organisation, two pilot
institutions behind the personas' sites, a certificate with majors in both code lists, and
spreadsheets and photos made on the fly (never committed binaries).

- institution I1 is behind site S1, so sam acts for it; I2 is behind S2 (olga).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from openpyxl import Workbook
from PIL import Image, ImageDraw

from accounts.models import User
from accounts.roles import Role
from candidates import idnumber
from candidates.imports import COLUMNS
from candidates.models import Candidate
from candidates.statuses import Verification
from centres.models import Site
from certification.models import ExamPlan
from reference.models import Certificate, Institution, Major, MajorCodeList, Organisation

if TYPE_CHECKING:
    from tests.personas import Personas

HEADERS = [c.header for c in COLUMNS]
RED = (220, 20, 30)


@dataclass
class World:
    organisation: Organisation
    institution: Institution
    other_institution: Institution
    certificate: Certificate
    major: Major
    old_major: Major


def build(personas: Personas) -> World:
    organisation = Organisation.objects.create(code="HYQX", name="北京化育求贤教育科技有限公司")
    institution = Institution.objects.create(code="I1", name="第一化工职业学院")
    other = Institution.objects.create(code="I2", name="第二化工职业学院")
    personas.site.institution = institution
    personas.site.save()
    personas.other_site.institution = other
    personas.other_site.save()
    major = Major.objects.create(code_list=MajorCodeList.NEW, code="470201", name="应用化工技术")
    old_major = Major.objects.create(
        code_list=MajorCodeList.OLD, code="570201", name="应用化工技术"
    )
    certificate = Certificate.objects.create(
        organisation=organisation, code="HGJL-M", name="化工精馏安全控制", level="中级"
    )
    certificate.majors.add(major, old_major)
    return World(organisation, institution, other, certificate, major, old_major)


def id_number(serial: int, birth: str = "20030415") -> str:
    """A valid ID number from Beijing Dongcheng (110101) with the given birth date."""
    first17 = f"110101{birth}{serial % 1000:03d}"
    return first17 + idnumber.check_character(first17)


def xlsx(rows: Sequence[Sequence[object]], headers: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def photo(
    size: tuple[int, int] = (295, 413),
    background: tuple[int, int, int] = RED,
    fmt: str = "JPEG",
) -> bytes:
    """A drawn ID photo: a plain background with a head and shoulders in the middle."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.6), fill=(224, 182, 150))
    draw.rectangle((w * 0.15, h * 0.7, w * 0.85, h), fill=(30, 30, 60))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


PHASES = ["registration", "scheduling", "exam", "score_entry", "publication", "ended"]


def set_phase(plan: ExamPlan, phase: str) -> ExamPlan:
    """Move the plan's five windows (each two days, in order) so that ``phase`` is open now;
    ``ended`` puts all of them in the past."""
    index = PHASES.index(phase)
    base = timezone.now() - dt.timedelta(days=1) - dt.timedelta(days=2 * index)
    for i, name in enumerate(PHASES[:5]):
        setattr(plan, f"{name}_opens", base + dt.timedelta(days=2 * i))
        setattr(plan, f"{name}_closes", base + dt.timedelta(days=2 * i + 2))
    plan.save()
    return plan


def plan(world: World, phase: str = "registration", code: str = "2022-S4") -> ExamPlan:
    created = ExamPlan(
        organisation=world.organisation,
        certificate=world.certificate,
        code=code,
        name="2022年上半年增补考试",
    )
    return set_phase(created, phase)


def verified_candidate(
    world: World, serial: int, name: str, site: Site, institution: Institution | None = None
) -> Candidate:
    user = User.objects.create(username=f"cand-w{serial}", role=Role.CANDIDATE, first_name=name)
    return Candidate.objects.create(
        user=user,
        id_number=id_number(serial),
        name=name,
        phone="13800138000",
        institution=institution or world.institution,
        certificate=world.certificate,
        major=world.major,
        verification=Verification.VERIFIED,
        site=None,
    )
