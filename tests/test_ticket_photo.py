"""The admission ticket shows the candidate's registered photo in its photo box (an image object
in the PDF); a candidate without a registered photo gets a labelled empty box instead."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from pypdf import PdfReader

from certification.models import Enrolment, ExamSession, Seat
from tests import certification_world
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas


@pytest.fixture
def seats(personas: Personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = certification_world.build(personas)
    plan = certification_world.plan(world, "scheduling")
    session = ExamSession.objects.create(
        plan=plan, name="第一场", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    made = []
    for number, name in enumerate(["欧阳娜娜", "司马懿"], start=1):
        candidate = certification_world.verified_candidate(world, 600 + number, name, personas.site)
        enrolment = Enrolment.objects.create(plan=plan, candidate=candidate, site=personas.site)
        made.append(
            Seat.objects.create(
                enrolment=enrolment, session=session, room=personas.room_a, number=number
            )
        )
    with_photo = made[0].enrolment.candidate
    with_photo.photo.save("photo.jpg", ContentFile(certification_world.photo()))
    return plan, made


def ticket(plan, seat) -> bytes:
    client = Client()
    assert client.login(username="sam", password=PASSWORD)
    response = client.get(f"/cert/plans/{plan.pk}/seats/{seat.pk}/ticket.pdf")
    assert response.status_code == 200
    return response.content


def text_of(pdf: bytes) -> str:
    """The PDF's text without spaces and line breaks (the box wraps its label)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return "".join(text.split())


def images_of(pdf: bytes) -> list[tuple[int, int]]:
    """The (width, height) of every image object drawn on the PDF's pages."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            assert image.image is not None
            found.append(image.image.size)
    return found


def test_the_ticket_shows_the_registered_photo(seats) -> None:
    plan, made = seats
    pdf = ticket(plan, made[0])
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf
    assert (295, 413) in images_of(pdf)  # the registered photo itself, not a placeholder


def test_a_candidate_without_a_photo_gets_a_labelled_empty_box(seats) -> None:
    plan, made = seats
    pdf = ticket(plan, made[1])
    assert images_of(pdf) == []
    assert "无登记照片" in text_of(pdf) or "Noregisteredphoto" in text_of(pdf)


def test_a_photo_file_that_is_not_an_image_gives_the_labelled_box(seats) -> None:
    plan, made = seats
    candidate = made[0].enrolment.candidate
    candidate.photo.save("photo.jpg", ContentFile(b"not a picture"))
    pdf = ticket(plan, made[0])
    assert images_of(pdf) == []
    assert "无登记照片" in text_of(pdf) or "Noregisteredphoto" in text_of(pdf)
