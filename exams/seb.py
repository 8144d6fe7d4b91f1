"""Safe Exam Browser (R-EXAM-7): an exam that requires SEB accepts only requests whose headers
prove the right SEB configuration or browser build.

SEB sends, on every request, ``X-SafeExamBrowser-ConfigKeyHash`` = SHA-256(absolute URL +
configuration key) and ``X-SafeExamBrowser-RequestHash`` = SHA-256(absolute URL + browser exam
key), both as lower-case hex; the URL is the full request URL without its fragment.
"""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest

from exams.models import Exam

CONFIG_KEY_HEADER = "HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH"
REQUEST_HASH_HEADER = "HTTP_X_SAFEEXAMBROWSER_REQUESTHASH"


def expected_hash(url: str, key: str) -> str:
    return hashlib.sha256((url + key).encode()).hexdigest()


def _matches(url: str, sent: str, keys: list[str]) -> bool:
    sent = sent.strip().lower()
    return bool(sent) and any(hmac.compare_digest(expected_hash(url, key), sent) for key in keys)


def request_allowed(request: HttpRequest, exam: Exam) -> bool:
    """True when ``exam`` does not require SEB, or the request carries a valid SEB hash."""
    if not exam.requires_seb:
        return True
    url = request.build_absolute_uri()
    config_keys = exam.keys("seb_config_keys")
    browser_keys = exam.keys("seb_browser_exam_keys")
    return _matches(url, request.META.get(CONFIG_KEY_HEADER, ""), config_keys) or _matches(
        url, request.META.get(REQUEST_HASH_HEADER, ""), browser_keys
    )
