"""The device check before an exam (R-EXAM-10): what the candidate's browser found (camera,
microphone, upload speed measured against ``speed_test``) and the server's reading of the
browser and operating system, stored for support to see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from candidates.models import Candidate
from core.errors import Refused
from core.http import client_ip
from support.models import DeviceCheck

# Browsers whose getUserMedia, WebRTC and fullscreen the exam page relies on, with the first
# major version that has them all. Order matters: Edge and Opera also say "Chrome".
_BROWSERS: list[tuple[str, str, int]] = [
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)", 80),
    ("Opera", r"OPR/(\d+)", 67),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)", 78),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)", 80),
    ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/", 14),
]
_SYSTEMS: list[tuple[str, str]] = [
    ("Windows", r"Windows NT"),
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
]


@dataclass(frozen=True)
class Browser:
    name: str
    version: int | None
    os: str
    supported: bool


def read_user_agent(user_agent: str) -> Browser:
    name, version, supported = "", None, False
    for label, pattern, minimum in _BROWSERS:
        found = re.search(pattern, user_agent)
        if found:
            name, version = label, int(found.group(1))
            supported = version >= minimum
            break
    os = next((label for label, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    return Browser(name, version, os, supported)


class CheckRefused(Refused):
    """A refusal; ``message`` says why, for people."""


_RESULTS = {choice.value for choice in DeviceCheck.Result}


def record_check(candidate: Candidate, report: Any, request: HttpRequest) -> DeviceCheck:
    """Store what the page reported: ``{"camera": "ok"|"failed"|"skipped", "microphone": …,
    "upload_mb_per_s": number or null, "media_supported": bool}``."""
    if not isinstance(report, dict):
        raise CheckRefused("report must be an object")
    camera, microphone = report.get("camera"), report.get("microphone")
    # Checked as strings first: a list or an object is not hashable, so "in" would raise.
    if not (isinstance(camera, str) and isinstance(microphone, str)) or not (
        camera in _RESULTS and microphone in _RESULTS
    ):
        raise CheckRefused("camera and microphone must be ok, failed or skipped")
    speed = report.get("upload_mb_per_s")
    if speed is not None and (
        isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 <= speed <= 100_000
    ):
        raise CheckRefused("upload_mb_per_s must be a number from 0 to 100000, or null")
    media_supported = report.get("media_supported")
    if not isinstance(media_supported, bool):
        raise CheckRefused("media_supported must be true or false")
    user_agent = request.headers.get("User-Agent", "")[:400]
    browser = read_user_agent(user_agent)
    check = DeviceCheck(
        candidate=candidate,
        user_agent=user_agent,
        browser=f"{browser.name} {browser.version or ''}".strip()[:60],
        os=browser.os,
        browser_ok=browser.supported and media_supported,
        camera=camera,
        microphone=microphone,
        upload_mb_per_s=round(float(speed), 2) if speed is not None else None,
        ip=client_ip(request) or None,
        passed=False,
    )
    check.passed = (
        check.browser_ok
        and camera == DeviceCheck.Result.OK
        and microphone == DeviceCheck.Result.OK
        and check.upload_ok
    )
    check.save()
    return check


def discard_body(request: HttpRequest) -> int | None:
    """Read and throw away the request body, up to ``SUPPORT_SPEED_TEST_MAX_BYTES``; the number
    of bytes read, or None when the body is larger than that."""
    limit = settings.SUPPORT_SPEED_TEST_MAX_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return None
    if declared > limit:
        return None
    received = 0
    while chunk := request.read(64 * 1024):
        received += len(chunk)
        if received > limit:
            return None
    return received
