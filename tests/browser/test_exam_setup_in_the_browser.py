"""The evaluation organisation sets a formal exam up in headless Chromium, by links from the
navigation only: a new exam, a fixed paper from the bank, its preview and the AI rules (books
ignored); the passcode SMS is scheduled from the support pages, and a registered candidate signs
in with the passcode their SMS carries and gets that paper."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from candidates.models import Candidate
from exams import passcodes
from exams.models import Attempt, Exam, Registration
from notifications.models import Delivery
from proctoring.models import AlertRules
from tests import exam_setup_helpers as setup
from tests.browser.flows import sign_the_commitment, staff_sign_in, wait_for
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_exam_is_set_up_through_the_pages_and_a_candidate_takes_it(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    subject = personas.formal.subject
    questions = setup.bank(subject, "single", 2, points=4, chapter="消防")
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    staff_sign_in(staff, live_url, "oscar")
    staff.wait_for_url("**/proctor/")
    staff.click("nav.topbar-nav a[href='/exam/manage/']")
    staff.wait_for_url("**/exam/manage/")
    staff.click("text=新建考试")

    now = timezone.now()
    staff.fill("#id_code", "FIRE-FORMAL")
    staff.fill("#id_title", "消防安全 正式考试")
    staff.select_option("#id_kind", "formal")
    staff.select_option("#id_subject", str(subject.pk))
    staff.fill("#id_opens_at", setup.local(now - dt.timedelta(minutes=2)))
    staff.fill("#id_closes_at", setup.local(now + dt.timedelta(hours=3)))
    staff.fill("#id_duration_minutes", "60")
    staff.uncheck("#id_requires_identity")
    staff.uncheck("#id_shuffle_questions")
    screenshot(staff, "new-exam")
    staff.click("text=创建考试")
    staff.wait_for_selector("#paper-problems")  # no paper yet: the page says so
    exam = Exam.objects.get(code="FIRE-FORMAL")

    staff.click("main nav >> text=试卷")
    staff.wait_for_url(f"**/exam/manage/{exam.pk}/paper/")
    staff.select_option("#id_chapter", "消防")
    staff.click("form[role=search] button")
    for question in questions:
        staff.check(f"#add-{question.pk}")
    staff.click("text=添加勾选的试题")
    staff.wait_for_selector("#paper-items")
    staff.fill(f"#points-{exam.paper_items.get(question=questions[1]).pk}", "6")
    staff.click("text=保存顺序和分值")
    staff.wait_for_selector(".message.success")
    screenshot(staff, "paper")
    staff.click("main >> text=预览考生试卷")
    staff.wait_for_selector("#preview")
    assert "10 分" in staff.inner_text("#preview-total")

    staff.goto(f"{live_url}/exam/manage/{exam.pk}/")
    staff.click("text=AI 预警规则")
    book = staff.locator("label", has_text="书本").get_attribute("for")
    staff.select_option(f"#{book}", "0")
    staff.click("text=保存 AI 预警规则")
    staff.wait_for_selector(".message.success")
    assert AlertRules.objects.get(exam=exam).device_labels == {"book": 0}

    registration = Registration.objects.create(
        exam=exam, candidate=personas.carol, room=personas.room_a
    )
    Candidate.objects.filter(pk=personas.carol.pk).update(phone="13800000001")
    # Each candidate's own passcode is made when its SMS is scheduled (R-EXAM-3).
    staff.goto(f"{live_url}/support/passcodes/{exam.pk}/")
    staff.click("main button[type=submit]")
    staff.wait_for_selector(".message.success")
    sms = Delivery.objects.get(purpose=passcodes.PURPOSE, about=passcodes.about(registration))
    passcode = re.findall(rf"[{passcodes.ALPHABET}]{{{passcodes.PASSCODE_LENGTH}}}", sms.body)[-1]
    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 700}).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number, passcode=passcode)
    page.wait_for_url("**/exam/answer/")
    page.wait_for_selector("fieldset.question")
    wait_for(lambda: Attempt.objects.filter(registration__exam=exam).exists())
    attempt = Attempt.objects.get(registration__exam=exam)
    assert [(item["question"], item["points"]) for item in attempt.paper] == [
        (questions[0].pk, 4),
        (questions[1].pk, 6),
    ]
