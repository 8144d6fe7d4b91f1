"""The device check before an exam (R-EXAM-10): the page is open to everyone; the upload-speed
endpoint reads and discards a capped body for signed-in users only, rate limited; the result is
stored with the server's reading of the browser and shown to the candidate's site's support."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from support.devicecheck import read_user_agent
from support.models import DeviceCheck
from tests.personas import Personas

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
OLD_IE = "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko"
GOOD = {"camera": "ok", "microphone": "ok", "upload_mb_per_s": 3.5, "media_supported": True}


@pytest.mark.parametrize(
    "agent, name, os, supported",
    [
        (CHROME, "Chrome", "Windows", True),
        (CHROME.replace("Safari/537.36", "Safari/537.36 Edg/120.0"), "Edge", "Windows", True),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox",
            "Linux",
            True,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Safari",
            "iOS",
            True,
        ),
        (OLD_IE, "", "Windows", False),
    ],
)
def test_the_browser_and_system_are_read_from_the_user_agent(
    agent: str, name: str, os: str, supported: bool
) -> None:
    browser = read_user_agent(agent)
    assert (browser.name, browser.os, browser.supported) == (name, os, supported)


def test_the_page_opens_for_anyone_and_asks_to_sign_in_for_the_speed_test(db: None) -> None:
    page = Client().get("/support/device-check/")
    assert page.status_code == 200
    assert 'data-candidate="0"' in page.content.decode()
    assert "/exam/sign-in/" in page.content.decode()
    assert "/support/device-check/" in Client().get("/exam/sign-in/").content.decode()


def test_the_speed_test_reads_and_discards_the_body_for_a_signed_in_candidate(
    carol_client: Client,
) -> None:
    body = b"\x00" * (1024 * 1024)
    response = carol_client.post(
        "/support/device-check/upload/", body, content_type="application/octet-stream"
    )
    assert response.status_code == 200
    assert response.json() == {"received": len(body)}


def test_the_speed_test_refuses_strangers_oversized_bodies_and_floods(
    carol_client: Client, settings
) -> None:
    anonymous = Client().post(
        "/support/device-check/upload/", b"x" * 10, content_type="application/octet-stream"
    )
    assert anonymous.status_code in (401, 403)
    too_big = carol_client.post(
        "/support/device-check/upload/",
        b"x" * (settings.SUPPORT_SPEED_TEST_MAX_BYTES + 1),
        content_type="application/octet-stream",
    )
    assert too_big.status_code == 413
    settings.SUPPORT_SPEED_TEST_PER_MINUTE = 3
    codes = [
        carol_client.post(
            "/support/device-check/upload/", b"x", content_type="application/octet-stream"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]  # the oversized one counted too


def test_the_result_is_stored_with_a_verdict_and_shown_to_the_sites_support(
    personas: Personas, carol_client: Client
) -> None:
    response = carol_client.post(
        "/support/device-check/result/",
        json.dumps(GOOD),
        content_type="application/json",
        HTTP_USER_AGENT=CHROME,
    )
    assert response.status_code == 201
    assert response.json()["passed"] is True
    slow = {**GOOD, "upload_mb_per_s": 0.8}
    response = carol_client.post(
        "/support/device-check/result/",
        json.dumps(slow),
        content_type="application/json",
        HTTP_USER_AGENT=CHROME,
    )
    assert response.json()["passed"] is False and response.json()["upload_ok"] is False
    check = DeviceCheck.objects.filter(candidate=personas.carol).first()
    assert check is not None and check.browser == "Chrome 126" and check.os == "Windows"

    sam = Client()
    sam.force_login(personas.sam)
    listing = sam.get("/support/device-checks/?result=failed").content.decode()
    assert "Carol" in listing and "0.8" in listing
    olga = Client()
    olga.force_login(personas.olga)
    assert "Carol" not in olga.get("/support/device-checks/").content.decode()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({**GOOD, "camera": "maybe"}),
        json.dumps({**GOOD, "upload_mb_per_s": "fast"}),
        json.dumps({**GOOD, "upload_mb_per_s": -1}),
        json.dumps({**GOOD, "media_supported": "yes"}),
    ],
)
def test_a_malformed_result_is_refused_and_nothing_is_stored(
    carol_client: Client, body: str
) -> None:
    response = carol_client.post(
        "/support/device-check/result/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not DeviceCheck.objects.exists()


def test_only_candidates_store_results(personas: Personas) -> None:
    sam = Client()
    sam.force_login(personas.sam)
    response = sam.post(
        "/support/device-check/result/", json.dumps(GOOD), content_type="application/json"
    )
    assert response.status_code == 403
