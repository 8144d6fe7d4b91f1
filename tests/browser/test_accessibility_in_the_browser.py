"""Accessibility of the main pages of every role (issue 17 §4), in headless Chromium against the
real processes: each page is screenshotted at a laptop's 1366×768 and a phone's 390×844, axe-core
runs on it and no serious or critical violation may remain, and at 1366 nothing scrolls sideways.

One test per role walks its pages and reports every finding together, so one run shows the whole
list rather than the first page's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from certification.models import Enrolment, ExamSession, Seat
from exams.models import Exam, Registration
from proctoring import alerts
from proctoring.models import AlertKind, Severity
from tests import certification_world
from tests.axe import BLOCKING, describe, violations
from tests.browser.flows import candidate_sign_in, off_the_loop, staff_sign_in
from tests.personas import FORMAL_PASSCODE, Personas, answering, build_inspections
from tests.review_world import alert, finished_attempt

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
    candidate_sign_in(page, live_url, personas.carol.id_number)
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
    candidate_sign_in(page, live_url, personas.carol.id_number)
    checker.check(page, "candidate-info")
    checker.visit(page, "/support/device-check/", "device-check")
    page.goto(f"{live_url}/exam/info/")
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    checker.check(page, "commitment")
    checker.assert_clean()


def test_the_proctor_console_and_the_review_pages(personas: Personas, checker: Checker) -> None:
    # An exam under way in room A with an open alert (the console's tiles and queue), and a
    # finished one with an alert to review.
    live = off_the_loop(
        lambda: answering(Registration.objects.get(exam=personas.trial, candidate=personas.carol))
    )
    off_the_loop(
        lambda: alerts.raise_or_extend(
            live, AlertKind.DEVICE, view=1, at=timezone.now(), confidence=0.8, detail={}
        )
    )
    finished = off_the_loop(lambda: finished_attempt(personas))
    alert(finished, AlertKind.DEVICE, Severity.HIGH, timezone.now() - dt.timedelta(minutes=3))
    queue = f"/review/exams/{personas.formal.pk}/"
    for viewport in (LAPTOP, PHONE):
        page = checker.page(viewport)
        staff_sign_in(page, checker.live_url, "paula")
        page.wait_for_load_state("load")
        checker.visit(page, "/proctor/", "paula-console")
        checker.visit(page, f"/proctor/rooms/{personas.room_a.pk}/", "paula-room")
        page.wait_for_selector("#connection[data-state=live]")
        page.wait_for_selector(f".tile[data-attempt-id='{live.pk}']")
        page.wait_for_selector(".alert-item")
        # Colour is never the only signal: the severity and the tile's status are words too.
        assert page.inner_text(".tile .badge.severity-3").startswith("高")
        assert "高" in page.inner_text(".alert-item.severity-3 .alert-head")
        assert page.inner_text(".tile .tile-status").strip()
        checker.check(page, "paula-room-live")
        checker.visit(page, "/review/", "paula-review-index")
        checker.visit(page, queue, "paula-review-queue")
        assert "高" in page.inner_text(f"tr[data-attempt-id='{finished.pk}'] .badge.severity-3")
        page.locator(f"tr[data-attempt-id='{finished.pk}'] button.claim").click()
        page.wait_for_selector("#finish-form")
        checker.check(page, "paula-review-attempt")
        # Each timeline mark says its severity by a shape and in words, not by colour alone.
        mark = page.locator(".timeline-alert").first
        mark.wait_for()
        assert mark.inner_text().strip() and "高" in (mark.get_attribute("aria-label") or "")
        page.context.close()  # the claim stays paula's: the second round continues it
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


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would; every element met on
    the way must show where the focus is (an outline Chromium draws or ours)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """(selector) => {
                const el = document.activeElement;
                const style = el ? getComputedStyle(el) : null;
                return {
                    here: !!el && el.matches(selector),
                    what: el ? el.outerHTML.slice(0, 120) : '',
                    ring: !!style && style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
                };
            }""",
            selector,
        )
        assert state["ring"], f"no visible focus on {state['what']}"
        if state["here"]:
            return
    raise AssertionError(f"{selector} is not reached by Tab in {limit} presses")


def test_a_candidate_sits_the_exam_by_keyboard_alone(
    personas: Personas, live_url: str, browser: Any
) -> None:
    page = browser.new_context(locale="zh-CN", viewport=LAPTOP).new_page()
    page.goto(f"{live_url}/exam/sign-in/")
    # The sign-in page starts in its first field.
    assert page.evaluate("document.activeElement.id") == "id_id_number"
    page.keyboard.type(personas.carol.id_number)
    tab_to(page, "#id_passcode")
    page.keyboard.type(FORMAL_PASSCODE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/exam/info/")
    # The first Tab reaches the skip link, which leads past the top bar to the page's content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip')")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    tab_to(page, "main button.primary")
    page.keyboard.press("Enter")
    # (The skip link's #main stays on the address across the form's redirect.)
    page.wait_for_url(lambda url: "/exam/commitment/" in url)
    tab_to(page, "button[value=accept]")
    page.keyboard.press("Enter")
    page.wait_for_selector("fieldset.question")
    # A radio group takes the focus once; Space picks the focused option, the arrows move on.
    tab_to(page, "fieldset.question input[type=radio]")
    page.keyboard.press("Space")
    first = page.locator("fieldset.question").nth(0)
    assert first.locator("input[value=A]").is_checked()
    page.keyboard.press("ArrowDown")
    assert first.locator("input[value=B]").is_checked()
    page.wait_for_selector("#save-status[data-state=saved]")
    # Every question has its name read with its options: a fieldset and its legend.
    assert (
        page.locator("fieldset.question").count()
        == page.locator("fieldset.question > legend").count()
    )


def test_the_inspection_and_site_pages(personas: Personas, checker: Checker) -> None:
    people = build_inspections(personas)
    checker.staff_pages(
        "ingrid",
        [
            ("/inspections/", "dashboard"),
            ("/inspections/findings/", "findings"),
            (f"/inspections/units/{people.university_1.pk}/", "unit"),
            (f"/inspections/units/{people.university_1.pk}/findings/new/", "finding-new"),
        ],
    )
    checker.staff_pages(
        "sam",
        [
            ("/", "home"),
            (f"/sites/{personas.site.pk}/", "site"),
            ("/candidates/", "candidates"),
            ("/support/device-checks/", "device-checks"),
            ("/support/passcodes/", "passcodes"),
            (f"/support/passcodes/{personas.formal.pk}/", "passcode-exam"),
        ],
    )
    checker.assert_clean()
