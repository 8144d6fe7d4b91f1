"""R-CERT-10, R-CERT-12: admission tickets, room materials and certificates are PDFs with the
Chinese names readable (text extraction and a rendered page), and the certificate's QR code
decodes to its public verification page, which shows the status and a masked name only."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pytest
from django.test import Client
from pypdf import PdfReader

from certification.models import Enrolment, ExamSession, IssuedCertificate, Score, Seat
from certification.statuses import CertificateStatus
from tests import certification_world
from tests.certification_world import set_phase
from tests.personas import PASSWORD

if TYPE_CHECKING:
    from tests.personas import Personas

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


@pytest.fixture
def seated(personas: Personas):
    world = certification_world.build(personas)
    plan = certification_world.plan(world, "scheduling")
    session = ExamSession.objects.create(
        plan=plan, name="第一场", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    seats = []
    for number, name in enumerate(["欧阳娜娜", "司马懿"], start=1):
        candidate = certification_world.verified_candidate(world, 400 + number, name, personas.site)
        enrolment = Enrolment.objects.create(plan=plan, candidate=candidate, site=personas.site)
        seats.append(
            Seat.objects.create(
                enrolment=enrolment, session=session, room=personas.room_a, number=number
            )
        )
    return plan, session, seats


def staff(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def decode_qr(image: np.ndarray) -> str:
    """The QR code's text, as a phone's reader would find it. OpenCV's detector misses some
    codes at one scale and finds them at another, so try a few, with both of its detectors."""
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    for scale in (1.0, 0.5, 2.0, 0.75):
        scaled = grey if scale == 1.0 else cv2.resize(grey, None, fx=scale, fy=scale)
        for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
            text, _points, _straight = detector.detectAndDecode(scaled)
            if text:
                return str(text)
    return ""


def render_png(pdf: bytes, tmp_path) -> np.ndarray:
    import cv2

    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "doc.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    image = cv2.imread(str(png))
    assert image is not None
    return image


def test_an_admission_ticket_shows_the_chinese_name(seated, personas, tmp_path):
    plan, _session, seats = seated
    response = staff("sam").get(f"/cert/plans/{plan.pk}/seats/{seats[0].pk}/ticket.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "欧阳娜娜" in text and "化工精馏安全控制" in text and seats[0].ticket_number in text
    page = render_png(response.content, tmp_path)
    assert page.shape[0] > 1000 and (page < 128).any()  # a real page with ink on it


def test_an_online_rooms_ticket_gives_the_sign_in_address_and_no_room_to_come_to(seated, personas):
    plan, session, seats = seated
    assert personas.room_a.kind == "online"
    client = staff("sam")
    text = text_of(client.get(f"/cert/plans/{plan.pk}/seats/{seats[0].pk}/ticket.pdf").content)
    flat = re.sub(r"\s+", "", text)
    assert "http://testserver/exam/sign-in/" in flat
    assert "http://testserver/support/device-check/" in flat
    assert "到达考场" not in flat and "无需前往考场" in flat
    # The merged file of a room says the same (a job renders it from the queuing request's
    # addresses; the direct download from its own).
    base = f"/cert/plans/{plan.pk}/rooms/{personas.room_a.pk}/{session.pk}"
    merged = re.sub(r"\s+", "", text_of(client.get(f"{base}/tickets.pdf").content))
    assert merged.count("http://testserver/exam/sign-in/") == 2

    personas.room_a.kind = "physical"
    personas.room_a.save(update_fields=["kind"])
    text = text_of(client.get(f"/cert/plans/{plan.pk}/seats/{seats[0].pk}/ticket.pdf").content)
    flat = re.sub(r"\s+", "", text)
    assert "到达考场" in flat and "/exam/sign-in/" not in flat


def test_a_room_gets_one_merged_file_of_tickets_and_its_materials(seated, personas):
    plan, session, _seats = seated
    client = staff("sam")
    base = f"/cert/plans/{plan.pk}/rooms/{personas.room_a.pk}/{session.pk}"
    tickets = client.get(f"{base}/tickets.pdf")
    assert len(PdfReader(io.BytesIO(tickets.content)).pages) == 2
    assert "司马懿" in text_of(tickets.content)
    materials = text_of(client.get(f"{base}/materials.pdf").content)
    assert "欧阳娜娜" in materials and "司马懿" in materials


def test_another_site_cannot_download_the_tickets(seated):
    plan, _session, seats = seated
    assert (
        staff("olga").get(f"/cert/plans/{plan.pk}/seats/{seats[0].pk}/ticket.pdf").status_code
        == 404
    )


def test_a_stamped_certificate_has_a_qr_code_that_opens_its_verification_page(seated, tmp_path):

    plan, _session, seats = seated
    enrolment = seats[0].enrolment
    Score.objects.create(enrolment=enrolment, value=88, passed=True)
    set_phase(plan, "ended")
    oscar, sam = staff("oscar"), staff("sam")
    for client, step in ((oscar, "org-sign"), (sam, "site-sign"), (oscar, "stamp")):
        response = client.post(f"/cert/plans/{plan.pk}/certificates/{step}/")
        assert response.status_code == 302 and "X-Refused" not in response
    issued = IssuedCertificate.objects.get(enrolment=enrolment)
    assert issued.status == CertificateStatus.STAMPED

    public = Client()
    query = public.post(
        "/cert/query/", {"id_number": enrolment.candidate.id_number.lower(), "name": "欧阳娜娜"}
    )
    page = query.content.decode()
    assert issued.number in page and "88" in page
    found = re.search(r'action="/cert/download/".*?name="ticket" value="([^"]+)"', page, re.S)
    assert found is not None
    ticket = found.group(1)
    assert ticket not in query.request["PATH_INFO"]
    pdf = public.post("/cert/download/", {"ticket": ticket}).content
    text = text_of(pdf)
    assert "欧阳娜娜" in text and issued.number in text

    image = render_png(pdf, tmp_path)
    decoded = decode_qr(image)
    assert decoded == f"http://testserver/cert/verify/{issued.token}/"
    verify = public.get(decoded.removeprefix("http://testserver"))
    body = verify.content.decode()
    assert verify.status_code == 200 and issued.number in body and 'data-status="stamped"' in body
    assert "欧阳娜娜" not in body and enrolment.candidate.id_number not in body
    assert "欧***" in body

    oscar.post(f"/cert/plans/{plan.pk}/certificates/{issued.pk}/revoke/", {"reason": "作弊"})
    assert (
        'data-status="revoked"'
        in public.get(decoded.removeprefix("http://testserver")).content.decode()
    )


def test_the_query_needs_the_matching_name_and_is_rate_limited(seated, settings):
    plan, _session, seats = seated
    enrolment = seats[0].enrolment
    # 87.5: a score with a dot cannot turn up by chance inside the page's CSRF token.
    Score.objects.create(enrolment=enrolment, value=Decimal("87.5"), passed=True)
    set_phase(plan, "publication")
    public = Client()
    wrong = public.post(
        "/cert/query/", {"id_number": enrolment.candidate.id_number, "name": "别人"}
    )
    assert "87.5" not in wrong.content.decode()
    settings.CERT_QUERY_RATE_PER_MINUTE = 3
    statuses = [
        public.post(
            "/cert/query/", {"id_number": enrolment.candidate.id_number, "name": "欧阳娜娜"}
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]  # the wrong-name query above counted too


def test_scores_are_not_shown_before_publication(seated):
    plan, _session, seats = seated
    enrolment = seats[0].enrolment
    Score.objects.create(enrolment=enrolment, value=Decimal("76.5"), passed=True)
    set_phase(plan, "score_entry")
    page = (
        Client()
        .post("/cert/query/", {"id_number": enrolment.candidate.id_number, "name": "欧阳娜娜"})
        .content.decode()
    )
    assert "76.5" not in page  # with a dot: never part of a CSRF token
