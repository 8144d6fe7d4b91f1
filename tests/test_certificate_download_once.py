"""The public query page's certificate PDF (name and ID number inside) downloads once, within
CERT_DOWNLOAD_MINUTES, by a ticket posted back, never in a URL (issue #14); the QR code's
verification link stays a plain public link that works any number of times."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client

from certification.models import IssuedCertificate, Score
from certification.views import public as public_views
from tests.certification_world import set_phase
from tests.test_tickets_and_certificates_render_chinese import seated, staff  # noqa: F401

pytestmark = pytest.mark.django_db


def stamped(seated) -> tuple[IssuedCertificate, object]:  # noqa: F811
    plan, _session, seats = seated
    enrolment = seats[0].enrolment
    Score.objects.create(enrolment=enrolment, value=91, passed=True)
    set_phase(plan, "ended")
    oscar, sam = staff("oscar"), staff("sam")
    for client, step in ((oscar, "org-sign"), (sam, "site-sign"), (oscar, "stamp")):
        assert client.post(f"/cert/plans/{plan.pk}/certificates/{step}/").status_code == 302
    return IssuedCertificate.objects.get(enrolment=enrolment), enrolment


def ticket_from_query(client: Client, enrolment) -> str:
    page = client.post(
        "/cert/query/", {"id_number": enrolment.candidate.id_number, "name": "欧阳娜娜"}
    )
    assert page["Cache-Control"] == "no-store"
    found = re.search(
        r'action="/cert/download/".*?name="ticket" value="([^"]+)"', page.content.decode(), re.S
    )
    assert found is not None
    return found.group(1)


def test_a_ticket_downloads_the_pdf_once(seated) -> None:  # noqa: F811
    _issued, enrolment = stamped(seated)
    public = Client()
    ticket = ticket_from_query(public, enrolment)
    first = public.post("/cert/download/", {"ticket": ticket})
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    again = public.post("/cert/download/", {"ticket": ticket})
    assert again.status_code == 410
    assert "/cert/query/" in again.content.decode()  # the page says what to do next
    # A new query gives a new ticket, which works.
    assert public.post("/cert/download/", {"ticket": ticket_from_query(public, enrolment)})[
        "Content-Type"
    ] == ("application/pdf")


def test_an_old_or_forged_ticket_and_a_get_download_nothing(seated, settings) -> None:  # noqa: F811
    issued, enrolment = stamped(seated)
    public = Client()
    ticket = ticket_from_query(public, enrolment)
    settings.CERT_DOWNLOAD_MINUTES = 0  # every ticket is now older than its validity
    assert public.post("/cert/download/", {"ticket": ticket}).status_code == 410
    settings.CERT_DOWNLOAD_MINUTES = 10
    forged = signing.dumps({"certificate": issued.token, "nonce": "x"}, salt="another.salt")
    assert public.post("/cert/download/", {"ticket": forged}).status_code == 410
    # The old signed link of the verification token alone is no ticket.
    bare = signing.dumps(issued.token, salt=public_views.DOWNLOAD_SALT)
    assert public.post("/cert/download/", {"ticket": bare}).status_code == 410
    assert public.get("/cert/download/").status_code == 405


def test_the_verification_link_of_the_qr_code_keeps_working(seated) -> None:  # noqa: F811
    issued, _enrolment = stamped(seated)
    public = Client()
    for _ in range(3):
        page = public.get(f"/cert/verify/{issued.token}/")
        assert page.status_code == 200 and issued.number in page.content.decode()
