"""A proctor's login made through the pages, in headless Chromium against real processes: the
site administrator records the proctor with a username on the site page, the Celery worker
sends the invitation through the notification gateway (the file outbox: no SMS provider here),
the proctor opens the link, sets a password, signs in and sees the proctor console."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from accounts.models import User
from tests.browser.flows import staff_sign_in, wait_for
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def outbox(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("outbox") / "outbox.jsonl"


@pytest.fixture(scope="module")
def platform_env(outbox: Path) -> dict[str, str]:
    return {
        "NOTIFICATION_SMS_GATEWAY": "notifications.gateways.FileGateway",
        "NOTIFICATION_OUTBOX": str(outbox),
    }


def link_sent_to(outbox: Path, phone: str) -> str:
    """The link in the newest message the worker wrote to ``phone``."""

    def lines() -> list[dict]:
        if not outbox.exists():
            return []
        return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]

    wait_for(lambda: any(line["to"] == phone for line in lines()))
    body = [line for line in lines() if line["to"] == phone][-1]["body"]
    found = re.search(r"https?://\S+", body)
    assert found is not None, body
    return found.group(0)


def test_a_site_administrator_invites_a_proctor_who_signs_in(
    personas: Personas, live_url: str, browser, outbox: Path, screenshot
) -> None:
    admin = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    staff_sign_in(admin, live_url, "sam")
    admin.goto(f"{live_url}/sites/{personas.site.pk}/")
    form = admin.locator(f"form[action='/sites/{personas.site.pk}/staff/']")
    form.locator("#id_kind").select_option("proctor")
    form.locator("#id_name").fill("潘老师")
    form.locator("#id_phone").fill("13800000009")
    form.locator("#id_username").fill("penny")
    form.locator("button[type=submit]").click()
    admin.wait_for_selector("[data-login=penny]")
    screenshot(admin, "site-staff")

    link = link_sent_to(outbox, "13800000009")
    assert link.startswith(live_url)
    small_laptop = {"width": 1024, "height": 700}
    proctor = browser.new_context(locale="zh-CN", viewport=small_laptop).new_page()
    proctor.goto(link)
    proctor.wait_for_url("**/set-password/")
    proctor.fill("#id_new_password1", "quiet river lantern 42")
    proctor.fill("#id_new_password2", "quiet river lantern 42")
    proctor.click("main button[type=submit]")
    proctor.wait_for_url("**/accounts/sign-in/")
    proctor.fill("#id_username", "penny")
    proctor.fill("#id_password", "quiet river lantern 42")
    proctor.click("main button[type=submit]")
    proctor.wait_for_url("**/proctor/")
    screenshot(proctor, "console")
    assert User.objects.get(username="penny").has_usable_password()

    proctor.goto(link)  # a second time: the link no longer works
    assert proctor.locator("[role=alert] h1").count() == 1
