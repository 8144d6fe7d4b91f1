"""Helpers of the inspection tests (R-INSP). Each test file builds the people with

@pytest.fixture
def world(personas): return build_inspections(personas)
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import User
from inspections import services
from inspections.models import ChecklistItem, ChecklistTemplate, Finding, Unit
from tests.personas import InspectionPersonas


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (32, 24)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def template_for(unit: Unit) -> ChecklistTemplate:
    return ChecklistTemplate.objects.for_unit(unit).get()


def items_of(template: ChecklistTemplate) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(section__template=template))


def record_finding(
    world: InspectionPersonas,
    *,
    deadline: dt.datetime | None = None,
    description: str = "试卷保管室监控离线",
) -> Finding:
    unit = world.university_1
    return services.record_finding(
        unit=unit,
        item=items_of(template_for(unit))[0],
        description=description,
        owner=world.uma,
        deadline=deadline or timezone.now() + dt.timedelta(days=3),
        photos=[jpeg()],
        user=world.ingrid,
    )
