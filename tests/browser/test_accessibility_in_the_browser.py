"""Accessibility of the main pages of every role (issue 17 §4), in headless Chromium against the
real processes: each page is screenshotted at a laptop's 1366×768 and a phone's 390×844, axe-core
runs on it and no serious or critical violation may remain, and at 1366 nothing scrolls sideways.

One test per role walks its pages and reports every finding together, so one run shows the whole
list rather than the first page's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from certification.models import Enrolment, ExamSession, Seat
from exams.models import Exam
from review.models import AttemptReview
from tests import certification_world
from tests.axe import BLOCKING, describe, violations
from tests.browser.flows import sign_the_commitment, staff_sign_in
from tests.personas import Personas
from tests.review_world import finished_attempt

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(600),
]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ALL = ("minor", "moderate", "serious", "critical")


class Checker:
    """Screenshots and axe findings of the pages one persona visits, at both widths."""

    def __init__(self, browser: Any, live_url: str, shots: Path) -> None:
        self.browser, self.live_url, self.shots = browser, live_url, shots
        self.failures: list[str] = []

    def page(self, viewport: dict[str, int], **context: Any) -> Any:
        return self.browser.new_context(locale="zh-CN", viewport=viewport, **context).new_page()

    def check(self, page: Any, name: str) -> None:
        """The page as it is now: screenshot, axe, and (at laptop width) no sideways scroll."""
        width = page.viewport_size["width"]
        page.wait_for_load_state("load")
        page.screenshot(path=str(self.shots / f"{name}-{width}.png"), full_page=True)
        found = violations(page, ALL)
        lesser = [v for v in found if v["impact"] not in BLOCKING]
        if lesser:  # shown with -s, to fix in time; they do not fail the test
            print(describe(lesser, f"{name} at {width} (not blocking):"))
        found = [v for v in found if v["impact"] in BLOCKING]
        if found:
            self.failures.append(describe(found, f"{name} at {width} ({page.url}):"))
        if width >= LAPTOP["width"]:
            scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll[0] > scroll[1]:
                self.failures.append(f"{name} at {width}: scrolls sideways {scroll}")

    def visit(self, page: Any, path: str, name: str) -> None:
        response = page.goto(f"{self.live_url}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        self.check(page, name)

    def staff_pages(self, username: str, pages: list[tuple[str, str]]) -> None:
        for viewport in (LAPTOP, PHONE):
            page = self.page(viewport)
            staff_sign_in(page, self.live_url, username)
            page.wait_for_load_state("load")
            for path, name in pages:
                self.visit(page, path, f"{username}-{name}")
            page.context.close()

    def assert_clean(self) -> None:
        assert not self.failures, "\n" + "\n".join(self.failures)


@pytest.fixture
def checker(browser: Any, live_url: str, tmp_path: Path) -> Checker:
    return Checker(browser, live_url, tmp_path)


def test_the_public_and_sign_in_pages(checker: Checker) -> None:
    for viewport in (LAPTOP, PHONE):
        page = checker.page(viewport)
        for path, name in (
            ("/accounts/sign-in/", "staff-sign-in"),
            ("/exam/sign-in/", "candidate-sign-in"),
            ("/cert/query/", "certificate-query"),
        ):
            checker.visit(page, path, name)
    checker.assert_clean()


def test_the_candidate_pages_from_sign_in_to_the_paper_and_the_phone(
    personas: Personas, live_url: str, media_browser: Any, tmp_path: Path
) -> None:
    Exam.objects.filter(pk=personas.formal.pk).update(requires_second_view=True)
    checker = Checker(media_browser, live_url, tmp_path)
    page = checker.page(LAPTOP)
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", personas.carol.id_number)
    page.fill("#id_passcode", "FORMAL-2468")
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")
    checker.check(page, "candidate-info")
    checker.visit(page, "/support/device-check/", "device-check")
    page.goto(f"{live_url}/exam/info/")
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    checker.check(page, "commitment")
    page.click("button[value=accept]")
    page.wait_for_url("**/exam/second-view/")
    page.wait_for_selector("#phone-qr:not([hidden])")
    checker.check(page, "second-view")
    link = page.get_attribute("#phone-pairing", "data-link")
    phone = checker.page(PHONE, is_mobile=True, has_touch=True)
    phone.goto(link)
    phone.wait_for_url(f"{live_url}/phone/")
    phone.wait_for_selector("#phone[data-state=connected]", timeout=30000)
    checker.check(phone, "phone")
    page.wait_for_url("**/exam/answer/", timeout=20000)
    page.wait_for_selector("fieldset.question")
    checker.check(page, "answer")
    page.set_viewport_size(PHONE)
    checker.check(page, "answer")
    checker.assert_clean()


def test_the_candidate_pages_at_a_phones_width(
    personas: Personas, live_url: str, media_browser: Any, tmp_path: Path
) -> None:
    checker = Checker(media_browser, live_url, tmp_path)
    page = checker.page(PHONE)
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", personas.carol.id_number)
    page.fill("#id_passcode", "FORMAL-2468")
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")
    checker.check(page, "candidate-info")
    checker.visit(page, "/support/device-check/", "device-check")
    page.goto(f"{live_url}/exam/info/")
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    checker.check(page, "commitment")
    checker.assert_clean()


def test_the_proctor_and_review_pages(personas: Personas, checker: Checker) -> None:
    attempt = finished_attempt(personas)
    review = AttemptReview.objects.filter(attempt=attempt).first()
    pages = [
        ("/proctor/", "console"),
        (f"/proctor/rooms/{personas.room_a.pk}/", "room"),
        ("/review/", "review-index"),
        (f"/review/exams/{personas.formal.pk}/", "review-queue"),
    ]
    if review is not None:
        pages.append((f"/review/attempts/{review.pk}/", "review-attempt"))
    checker.staff_pages("paula", pages)
    checker.assert_clean()


def test_the_administration_pages(personas: Personas, checker: Checker) -> None:
    world = certification_world.build(personas)
    plan = certification_world.plan(world)
    enrolled = certification_world.verified_candidate(world, 951, "已排考", personas.site)
    enrolment = Enrolment.objects.create(plan=plan, candidate=enrolled, site=personas.site)
    session = ExamSession.objects.create(
        plan=plan, name="第一场", starts_at=plan.exam_opens, ends_at=plan.exam_closes
    )
    Seat.objects.create(enrolment=enrolment, session=session, room=personas.room_a, number=1)
    checker.staff_pages(
        "oscar",
        [
            ("/cert/", "cert-home"),
            ("/cert/plans/", "plans"),
            (f"/cert/plans/{plan.pk}/", "plan"),
            ("/cert/institutions/", "institutions"),
            ("/cert/catalogue/", "catalogue"),
            ("/sites/", "sites"),
            (f"/sites/{personas.site.pk}/", "site"),
            ("/candidates/", "candidates"),
            ("/candidates/import/", "candidate-import"),
            (f"/candidates/{personas.carol.pk}/", "candidate"),
            ("/questionbank/", "subjects"),
            ("/questionbank/SAFE/", "bank"),
            ("/questionbank/SAFE/new/", "new-question"),
            ("/exam/manage/", "exams"),
            (f"/exam/manage/{personas.formal.pk}/", "exam"),
            ("/support/", "support"),
            ("/support/attempts/", "support-attempts"),
            ("/inspections/", "inspections"),
            ("/inspections/checklists/", "checklists"),
            ("/inspections/findings/", "findings"),
        ],
    )
    checker.assert_clean()
