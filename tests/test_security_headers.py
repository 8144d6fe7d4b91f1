"""Every page carries a Content-Security-Policy whose script nonce is on each of its script tags,
a Permissions-Policy that opens the camera and microphone only on pages that use them, and
``Cache-Control: no-store`` unless the view chose otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_a_page_runs_only_scripts_with_its_nonce(client: Client) -> None:
    response = client.get("/support/device-check/")
    assert response.status_code == 200
    policy = directives(response)
    found = re.fullmatch(r"'nonce-([\w-]+)'", policy["script-src"])
    assert found is not None, policy["script-src"]
    nonce = found.group(1)
    tags = SCRIPT_TAG.findall(response.content.decode())
    assert tags and all(f'nonce="{nonce}"' in tag for tag in tags), tags
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["style-src"] == "'self'", "no style attributes or inline styles"
    assert "ws://testserver:8001" in policy["connect-src"], "the media process's socket"
    assert (
        client.get("/support/device-check/")["Content-Security-Policy"]
        != response["Content-Security-Policy"]
    ), "a new nonce per response"


def test_a_candidates_exam_page_carries_the_nonce_on_every_script(
    carol_client: Client, carol_attempt
) -> None:
    """The exam page gathers scripts from includes and tags (the chat widget, the recorder)."""
    response = carol_client.get("/exam/answer/")
    assert response.status_code == 200
    nonce = directives(response)["script-src"].strip("'").removeprefix("nonce-")
    tags = SCRIPT_TAG.findall(response.content.decode())
    scripts = [tag for tag in tags if "application/json" not in tag]
    assert len(scripts) >= 4 and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert "camera=(self)" in response["Permissions-Policy"]


def test_the_media_socket_origin_follows_the_setting(client: Client, settings) -> None:
    settings.WEBRTC_WS_BASE = "wss://media.exam.example/ws"
    policy = directives(client.get("/exam/sign-in/"))
    assert policy["connect-src"] == "'self' wss://media.exam.example"


def test_devices_are_allowed_only_where_a_page_uses_them(client: Client) -> None:
    sign_in = client.get("/exam/sign-in/")["Permissions-Policy"]
    assert "camera=()" in sign_in and "microphone=()" in sign_in
    assert "display-capture=()" in sign_in and "geolocation=()" in sign_in
    check = client.get("/support/device-check/")["Permissions-Policy"]
    assert "camera=(self)" in check and "microphone=(self)" in check
    # The device check rehearses the screen share and looks for extra displays.
    assert "display-capture=(self)" in check and "window-management=(self)" in check
    assert "window-management=()" in sign_in


def test_pages_are_not_cached(client: Client) -> None:
    assert client.get("/exam/sign-in/")["Cache-Control"] == "private, no-store"


def test_every_template_script_tag_carries_the_nonce() -> None:
    offenders = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for tag in SCRIPT_TAG.findall(template.read_text(encoding="utf-8")):
            if 'nonce="{{ request.csp_nonce }}"' not in tag and "application/json" not in tag:
                offenders.append(f"{template}: {tag}")
    assert not offenders, offenders


def test_no_template_has_a_style_attribute_outside_pdfs() -> None:
    offenders = [
        str(template)
        for template in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if "pdf" not in template.parts and re.search(r"\sstyle=", template.read_text("utf-8"))
    ]
    assert not offenders, offenders


def test_the_django_admin_keeps_its_own_scripts(admin_client: Client) -> None:
    policy = directives(admin_client.get("/admin/"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
