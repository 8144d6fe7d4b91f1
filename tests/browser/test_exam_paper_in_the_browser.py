"""The candidate's paper in Chromium: the submit confirmation counts what the candidate typed
(blanks and written answers); option letters follow the order the options are shown in while
the answer saved is still the option's own key; the offline notice stays in sight and the
proctor's warnings lie over no answer option."""

from __future__ import annotations

import pytest

from exams.models import Answer, Attempt, PaperItem
from proctoring import actions
from tests.browser.flows import off_the_loop, sign_the_commitment
from tests.personas import Personas
from tests.qbank_builders import fill_in, short_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_confirmation_counts_typed_answers_as_answered(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    exam = personas.formal
    for position, question in ((4, fill_in(exam.subject)), (5, short_answer(exam.subject))):
        PaperItem.objects.create(exam=exam, question=question, position=position)

    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800}).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    questions = page.locator("fieldset.question")
    assert questions.count() == 5
    messages: list[str] = []

    def dismiss(dialog) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    # Nothing answered: five open.
    page.click("#submit")
    assert messages[-1].split("\n")[-1] == "未作答题数： 5"

    for index, key in enumerate("BAC"):
        questions.nth(index).locator(f"input[value={key}]").check()
    blanks = questions.nth(3).locator("input[type=text]")
    blanks.nth(0).fill("80")
    questions.nth(4).locator("textarea").fill("遵守考试纪律。")
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit")
    assert "\n" not in messages[-1], messages[-1]  # no count of unanswered questions

    # One blank of two filled counts as answered; a written answer cleared does not.
    questions.nth(4).locator("textarea").fill("")
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit")
    assert messages[-1].split("\n")[-1] == "未作答题数： 1"
    screenshot(page, "paper")


def test_option_letters_follow_the_shown_order_and_the_answer_keeps_its_key(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    exam = personas.formal
    exam.shuffle_options = True
    exam.save(update_fields=["shuffle_options"])

    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800}).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    attempt = Attempt.objects.get(registration__exam=exam, registration__candidate=personas.carol)
    questions = page.locator("fieldset.question")
    for index, item in enumerate(attempt.paper):
        labels = questions.nth(index).locator("label.option").all_inner_texts()
        shown = [
            f"{letter}. Option {key}" for letter, key in zip("ABCD", item["options"], strict=True)
        ]
        assert [label.strip() for label in labels] == shown

    # The first question's right option (key B) is chosen wherever it is shown.
    first = attempt.paper[0]
    place = first["options"].index("B")
    option = questions.nth(0).locator("label.option").nth(place)
    assert option.inner_text().strip().startswith(f"{'ABCD'[place]}. ")
    option.locator("input").check()
    page.wait_for_selector("#save-status[data-state=saved]")
    saved = Answer.objects.get(attempt=attempt, question_id=first["question"])
    assert saved.response == "B"
    screenshot(page, "shuffled")


OVERLAPS = """(selector) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    return [...document.querySelectorAll("label.option")].filter((option) => {
        const r = option.getBoundingClientRect();
        return r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom;
    }).length;
}"""


def test_the_offline_notice_stays_in_sight_and_the_warning_list_covers_no_option(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 420})
    page = context.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    page.wait_for_selector("#attempt-channel[data-state=live]", state="attached")

    # A proctor's warning: the list of lines lies over no option, wherever the paper scrolls.
    attempt = Attempt.objects.get(registration__exam=personas.formal)
    off_the_loop(lambda: actions.send_warning(attempt, "请坐正", actor=personas.paula))
    page.wait_for_selector(".proctor-messages li")
    for y in (0, 200, 400, 10000):
        page.evaluate(f"() => window.scrollTo(0, {y})")
        assert page.evaluate(OVERLAPS, ".proctor-messages") == 0, y
    screenshot(page, "warning")

    # No connection: the notice is a bar that stays at the top of the window while scrolled,
    # and the status role announces it.
    page.evaluate("() => window.scrollTo(0, 0)")
    context.set_offline(True)
    page.locator("fieldset.question").nth(0).locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=offline]")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("() => window.scrollY") > 100
    top, bottom = page.evaluate(
        "() => { const r = document.getElementById('save-status').getBoundingClientRect();"
        " return [r.top, r.bottom]; }"
    )
    assert 0 <= top and bottom <= 420, (top, bottom)
    assert page.get_attribute("#save-status", "role") == "status"
    screenshot(page, "offline")
    context.set_offline(False)
    page.wait_for_selector("#save-status[data-state=saved]", timeout=15000)
