"""Safe Exam Browser set up through the pages, in headless Chromium against real processes: the
site administrator opens the exam's SEB settings from its passcode page, has the platform
generate the configuration, sees an encrypted upload refused; the candidate's normal browser
gets the launch link; a browser that adds SEB's Config Key header to every request (as SEB
does) takes the exam's pages."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path

import pytest

from exams import seb_files
from exams.models import Exam
from tests.browser.flows import staff_sign_in
from tests.personas import FORMAL_PASSCODE, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_require_seb_and_only_seb_takes_the_exam(
    personas: Personas, live_url: str, browser, screenshot, tmp_path
) -> None:
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    staff_sign_in(staff, live_url, "sam")
    staff.goto(f"{live_url}/support/passcodes/")
    staff.click(f"a[href='/support/passcodes/{personas.formal.pk}/']")
    staff.click("#exam-seb-link")
    staff.wait_for_url(f"**/exam/staff/exams/{personas.formal.pk}/seb/")

    locked = tmp_path / "locked.seb"
    locked.write_bytes(gzip.compress(b"pswd" + os.urandom(400)))
    staff.check("#id_requires_seb")
    staff.check("input[name=source][value=uploaded]")
    staff.set_input_files("#id_config_file", str(locked))
    staff.click("form.card button[type=submit]")
    staff.locator(".field-error", has_text="密码加密").wait_for()
    screenshot(staff, "encrypted-upload-refused")
    assert not Exam.objects.get(pk=personas.formal.pk).requires_seb

    staff.check("#id_requires_seb")
    staff.check("input[name=source][value=generated]")
    staff.fill("#id_quit_password", "let me out")
    staff.click("form.card button[type=submit]")
    staff.wait_for_selector("#seb-download")
    key = staff.inner_text("#seb-config-key").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    screenshot(staff, "generated")
    download = staff.get_attribute("#seb-download", "href")
    with staff.expect_download() as fetched:
        staff.click("#seb-download")
    raw = Path(fetched.value.path()).read_bytes()
    assert seb_files.config_key_of_file(raw) == key
    assert seb_files.read_settings(raw)["startURL"] == f"{live_url}/exam/sign-in/"

    # The candidate's normal browser is sent to SEB.
    normal = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700}).new_page()
    normal.goto(f"{live_url}/exam/sign-in/")
    normal.fill("#id_id_number", personas.carol.id_number)
    normal.fill("#id_passcode", FORMAL_PASSCODE)
    normal.click("main button[type=submit]")
    launch = normal.get_attribute("#seb-launch", "href")
    assert launch == "seb://" + download.split("://", 1)[1]
    screenshot(normal, "candidate-outside-seb")

    # A browser that sends SEB's header for this configuration, as SEB does on every request.
    seb_like = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700})

    def add_config_key_hash(route) -> None:
        url = route.request.url.split("#", 1)[0]
        digest = hashlib.sha256((url + key).encode()).hexdigest()
        headers = {**route.request.headers, "x-safeexambrowser-configkeyhash": digest}
        response = route.fetch(headers=headers, max_redirects=0)
        location = response.headers.get("location")
        if response.status in (301, 302, 303) and location:
            # Playwright does not route the hops of a redirect, SEB signs each of them: the
            # browser is sent on by a page instead, so that the next address is routed too.
            kept = {k: v for k, v in response.headers.items() if k in ("set-cookie",)}
            route.fulfill(
                status=200,
                headers={**kept, "content-type": "text/html"},
                body=f'<meta http-equiv="refresh" content="0;url={location}">',
            )
            return
        route.fulfill(response=response)

    seb_like.route("**/*", add_config_key_hash)
    page = seb_like.new_page()
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", personas.carol.id_number)
    page.fill("#id_passcode", FORMAL_PASSCODE)
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")
    assert "Safe Exam Browser" not in page.inner_text("main")
    screenshot(page, "candidate-in-seb")
