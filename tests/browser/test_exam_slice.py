"""The thin slice, walked in headless Chromium against real processes: a candidate signs in
with ID number and passcode, answers (also while offline), submits; the worker grades; the
proctor's console sees both changes live."""

from __future__ import annotations

import pytest

from exams.models import Answer, Attempt
from exams.statuses import AttemptStatus
from tests.browser.flows import staff_sign_in
from tests.personas import FORMAL_PASSCODE, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_candidate_sits_the_exam_and_the_proctor_watches_it_live(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    proctor = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 800}
    ).new_page()
    staff_sign_in(proctor, live_url, "paula")
    proctor.click(f"a[href='/proctor/rooms/{personas.room_a.pk}/']")
    proctor.wait_for_selector("#connection[data-state=live]")

    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700})
    page = context.new_page()
    page.goto(f"{live_url}/exam/sign-in/")
    assert "登录" in page.title()  # zh-Hans is the default language
    page.fill("#id_id_number", personas.carol.id_number.lower())
    page.fill("#id_passcode", FORMAL_PASSCODE)
    page.click("main button[type=submit]")
    # The formal flow: confirm the information, sign the commitment letter, then the paper.
    page.wait_for_url("**/exam/info/")
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    page.click("button[value=accept]")
    page.wait_for_selector("fieldset.question")

    # The proctor's tile appeared when the attempt started.
    tile = proctor.locator(".tile", has_text="Carol")
    tile.wait_for()
    questions = page.locator("fieldset.question")
    questions.nth(0).locator("input[value=B]").check()  # right, 1 point
    page.wait_for_selector("#save-status[data-state=saved]")

    # The network drops: answering goes on, and the answer is sent when it is back.
    context.set_offline(True)
    questions.nth(1).locator("input[value=A]").check()  # right, 2 points
    page.wait_for_selector("#save-status[data-state=offline]")
    screenshot(page, "offline")
    context.set_offline(False)
    page.wait_for_selector("#save-status[data-state=saved]", timeout=15000)

    # A reload draws the paper from the server with both answers.
    page.reload()
    page.wait_for_selector("fieldset.question")
    assert questions.nth(0).locator("input[value=B]").is_checked()
    assert questions.nth(1).locator("input[value=A]").is_checked()
    screenshot(page, "answered")

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#submit")
    page.wait_for_selector("#result[data-status=graded]", timeout=20000)
    assert "3" in page.inner_text(".score")
    screenshot(page, "result")

    proctor.wait_for_selector(".tile[data-status=graded]", timeout=10000)
    assert "3/6" in tile.inner_text()
    screenshot(proctor, "console")

    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    assert attempt.status == AttemptStatus.GRADED
    assert (attempt.score, attempt.max_score) == (3, 6)
    order = [int(item["question"]) for item in attempt.paper]
    saved = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "response"))
    assert saved == {order[0]: "B", order[1]: "A"}
    assert all(
        seq == 1 for seq in Answer.objects.filter(attempt=attempt).values_list("seq", flat=True)
    )
