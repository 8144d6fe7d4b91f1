"""An appeal from submission to decision in headless Chromium (issue 16 §5): the candidate opens
the review's decided flags from the result page, appeals with a statement and a PDF, a second
reviewer (not the one who decided the flags) upholds it, and the candidate sees the decision
and the flags withdrawn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from exams.models import Attempt
from proctoring.models import Alert, AlertDecision, AlertKind, Severity
from review import claims, decisions, queue
from review.models import Appeal, AttemptReview
from review.statuses import AppealStatus
from tests.browser.flows import staff_sign_in
from tests.personas import FORMAL_PASSCODE, Personas
from tests.review_world import alert, finished_attempt

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module", autouse=True)
def _media_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A media directory of this module's own, for the live processes too."""
    media = tmp_path_factory.mktemp("media")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDIA_ROOT", str(media))
        yield media


def test_an_appeal_from_submission_to_decision(
    personas: Personas,
    live_url: str,
    browser: Any,
    screenshot: Any,
    tmp_path: Path,
    settings: Any,
    _media_root: Path,
) -> None:
    settings.MEDIA_ROOT = _media_root
    exam = personas.formal
    exam.flags_visible_to_candidate = True
    exam.save(update_fields=["flags_visible_to_candidate"])
    attempt = finished_attempt(personas)
    phone = alert(
        attempt, AlertKind.DEVICE, Severity.HIGH, timezone.now() - dt.timedelta(minutes=3)
    )
    queue.ensure_reviews(exam, Attempt.objects.filter(pk=attempt.pk))
    review = AttemptReview.objects.get(attempt=attempt)
    assert claims.claim(review, personas.paula)
    decisions.decide_alert(review, phone.pk, "violation", "手机出现在画面中", actor=personas.paula)
    decisions.finish(review, "violation", "考试中使用手机", actor=personas.paula)

    # The candidate signs in, opens the flags from the result page and appeals.
    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800}).new_page()
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", personas.carol.id_number)
    page.fill("#id_passcode", FORMAL_PASSCODE)
    page.click("main button[type=submit]")
    page.wait_for_selector("#review-flags-link a")
    page.click("#review-flags-link a")
    page.wait_for_selector(f".review-flag[data-alert-id='{phone.pk}']")
    assert "手机出现在画面中" in page.inner_text(".review-flag-reason")
    assert page.inner_text(".review-flag-evidence")  # a count of the evidence, never the evidence
    screenshot(page, "flags")
    letter = tmp_path / "说明.pdf"
    letter.write_bytes(PDF)
    page.fill("#appeal-statement", "那是计算器，不是手机。")
    page.set_input_files("#appeal-attachment", str(letter))
    page.click("#appeal-form button[type=submit]")
    page.wait_for_selector("#appeal-state[data-status=submitted]")
    appeal = Appeal.objects.get(attempt=attempt)
    assert appeal.attachment.read() == PDF
    screenshot(page, "appeal-submitted")

    # Paula decided the flags: she may not decide the appeal.
    paula = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(paula, live_url, "paula")
    paula.wait_for_url("**/")
    paula.goto(f"{live_url}/review/appeals/{appeal.pk}/")
    paula.wait_for_selector("#appeal-not-yours")
    assert paula.locator("#appeal-decision-form").count() == 0

    # Sam, a second reviewer, finds it in the exam's appeals and upholds it.
    sam = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(sam, live_url, "sam")
    sam.wait_for_url("**/")
    sam.goto(f"{live_url}/review/exams/{exam.pk}/")
    sam.click("#exam-appeals")
    sam.click(f"tr[data-appeal-id='{appeal.pk}'] a.open-appeal")
    sam.wait_for_selector("#appeal-decision-form")
    assert "那是计算器" in sam.inner_text("#appeal-statement")
    sam.check("#appeal-decision-form input[value=uphold]")
    sam.fill("#appeal-reason", "画面中是计算器")
    screenshot(sam, "appeal-deciding")
    sam.click("#appeal-decision-form button[type=submit]")
    sam.wait_for_url(f"**/review/exams/{exam.pk}/appeals/")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD and appeal.decided_by == personas.sam
    assert Alert.objects.get(pk=phone.pk).decision == AlertDecision.DISMISSED

    # The candidate sees the decision and no flag left.
    page.reload()
    page.wait_for_selector("#appeal-state[data-status=upheld]")
    assert "画面中是计算器" in page.inner_text("#appeal-decision-reason")
    assert page.locator("#no-flags").count() == 1
    screenshot(page, "appeal-upheld")
