"""The evaluation organisation fills an empty bank through the pages in headless Chromium: a
new subject, then one question of each kind, each previewed as candidates will see it before
it is saved."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from questionbank.models import Question, Subject
from tests.browser.flows import staff_sign_in
from tests.personas import staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVE = "main button[name=action][value=save]"
PREVIEW = "main button[name=action][value=preview]"


def test_a_subject_and_a_question_of_each_kind_are_made_through_the_pages(
    live_url: str, browser, screenshot
) -> None:
    staff("oscar", Role.ORG_ADMIN)
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(page, live_url, "oscar")
    page.goto(f"{live_url}/questionbank/")
    page.fill("#id_code", "IT-THEORY")
    page.fill("#id_name", "信息技术 理论")
    page.click("main button[type=submit]")
    page.wait_for_url("**/questionbank/IT-THEORY/")
    subject = Subject.objects.get(code="IT-THEORY")

    def new(kind: str) -> None:
        page.goto(f"{live_url}/questionbank/IT-THEORY/")
        page.click("main a[href='/questionbank/IT-THEORY/new/']")
        page.click(f"main a[href='/questionbank/IT-THEORY/new/{kind}/']")
        page.wait_for_selector("#id_text")

    def preview_and_save(expected: str) -> None:
        page.click(PREVIEW)
        page.wait_for_selector("#question-preview")
        assert expected in page.inner_text("#preview-answer")
        page.click(SAVE)
        page.wait_for_selector(".message.success")
        page.wait_for_selector("#question-preview")

    new("single")
    page.fill("#id_text", "HTTP 默认使用哪个端口？")
    page.fill("#id_option_A", "21")
    page.fill("#id_option_B", "80")
    page.fill("#id_option_C", "443")
    page.click(SAVE)  # no correct option chosen: the summary says so and links to the field
    page.wait_for_selector("#error-summary a[href='#id_answer_0']")
    screenshot(page, "single-error")
    page.check("#id_answer_1")
    page.fill("#id_chapter", "第四章 网络")
    preview_and_save("B")
    screenshot(page, "single-saved")

    new("multiple")
    page.fill("#id_text", "下列哪些是传输层协议？")
    for row, text in zip("ABCD", ["TCP", "IP", "UDP", "HTTP"], strict=True):
        page.fill(f"#id_option_{row}", text)
    page.check("#id_answer_0")
    page.check("#id_answer_2")
    preview_and_save("AC")

    new("true_false")
    page.fill("#id_text", "IPv4 地址有 32 位。")
    page.check("#id_answer_0")
    preview_and_save("对")

    new("fill_in")
    page.fill("#id_text", "HTTPS 默认端口是 ____。")
    page.fill("#id_blank_1", "443|四四三")
    preview_and_save("443 | 四四三")

    new("short_answer")
    page.fill("#id_text", "简述 TCP 三次握手。")
    page.fill("#id_answer", "SYN，SYN-ACK，ACK")
    preview_and_save("SYN")
    screenshot(page, "short-answer-saved")

    questions = {q.kind: q for q in subject.questions.all()}
    assert sorted(questions) == sorted(Question.Kind.values)
    assert questions["single"].answer == "B"
    assert questions["multiple"].answer == ["A", "C"]
    assert questions["true_false"].answer == "T"
    assert questions["fill_in"].answer == [["443", "四四三"]]
