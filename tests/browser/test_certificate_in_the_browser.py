"""A certificate through the pages, in headless Chromium against the real processes (issue #16
item 4): the organisation signs, the site signs, the organisation stamps with the buttons of
the plan's page; the candidate queries and downloads the PDF; the public verification page
says the kept file holds, accepts the downloaded file as valid and calls a file with one byte
changed altered."""

from __future__ import annotations

from pathlib import Path

import pytest

from certification.models import IssuedCertificate, Score
from certification.statuses import CertificateStatus
from tests.browser.flows import staff_sign_in
from tests.certification_world import set_phase
from tests.test_certificate_signing import flip_one_byte
from tests.test_tickets_and_certificates_render_chinese import seated  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page, live_url: str, plan_id: int, step: str) -> None:
    page.goto(f"{live_url}/cert/plans/{plan_id}/")
    with page.expect_navigation():  # the step's redirect back to the plan: the step is done
        page.click(f"form[action='/cert/plans/{plan_id}/certificates/{step}/'] button[type=submit]")


def test_signing_downloading_and_verifying_a_certificate(
    seated,  # noqa: F811
    live_url: str,
    browser,
    tmp_path: Path,
) -> None:
    plan, _session, seats = seated
    enrolment = seats[0].enrolment
    Score.objects.create(enrolment=enrolment, value=90, passed=True)
    set_phase(plan, "ended")

    oscar = browser.new_context(locale="zh-CN").new_page()
    staff_sign_in(oscar, live_url, "oscar")
    oscar.wait_for_url(lambda url: "/sign-in/" not in url)
    sam = browser.new_context(locale="zh-CN").new_page()
    staff_sign_in(sam, live_url, "sam")
    sam.wait_for_url(lambda url: "/sign-in/" not in url)
    press(oscar, live_url, plan.pk, "org-sign")
    press(sam, live_url, plan.pk, "site-sign")
    press(oscar, live_url, plan.pk, "stamp")
    issued = IssuedCertificate.objects.get(enrolment=enrolment)
    assert issued.status == CertificateStatus.STAMPED and issued.pdf_sha256
    oscar.goto(f"{live_url}/cert/plans/{plan.pk}/")
    assert oscar.locator("[data-step='stamp']").count() == 1

    public = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    public.goto(f"{live_url}/cert/query/")
    public.fill("#id_id_number", enrolment.candidate.id_number)
    public.fill("#id_name", enrolment.candidate.name)
    public.click("main button[type=submit]")
    with public.expect_download() as download:
        public.click("form[action='/cert/download/'] button[type=submit]")
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")

    public.goto(f"{live_url}/cert/verify/{issued.token}/")
    assert public.locator("[data-stored='valid']").count() == 1
    public.set_input_files("#id_pdf", str(saved))
    public.click("main button[type=submit]")
    public.wait_for_selector("[data-verdict]")
    assert public.locator("[data-verdict]").get_attribute("data-verdict") == "valid"

    altered = tmp_path / "altered.pdf"
    altered.write_bytes(flip_one_byte(data))
    public.goto(f"{live_url}/cert/verify/")
    public.set_input_files("#id_pdf", str(altered))
    public.click("main button[type=submit]")
    public.wait_for_selector("[data-verdict]")
    assert public.locator("[data-verdict]").get_attribute("data-verdict") == "altered"
    assert issued.number in public.content()
