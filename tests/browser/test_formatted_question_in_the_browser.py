"""A question imported with formatting and an image, on a candidate's paper in Chromium: the
bold words, the table and the image are shown (the CSP lets the data: image load), and the
script and handlers the file carried do not run."""

from __future__ import annotations

import pytest

from exams.models import PaperItem
from questionbank.importing import import_file
from tests.browser.flows import sign_the_commitment
from tests.personas import Personas
from tests.rich_questions import moodle_file, picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_candidate_sees_the_formatted_question_and_nothing_of_it_runs(
    personas: Personas, live_url: str, browser, screenshot
) -> None:
    subject = personas.formal.subject
    report = import_file(
        subject, moodle_file(image=picture("PNG", (60, 30))), "r.xml", dry_run=False
    )
    assert report.ok, report.as_dict()
    question = subject.questions.order_by("id").last()
    PaperItem.objects.filter(exam=personas.formal, position=1).update(question=question)

    page = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800}).new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")

    first = page.locator("fieldset.question").nth(0)
    assert first.locator("legend strong").inner_text() == "哪种"
    assert first.locator("legend table td").all_inner_texts() == ["4", "4"]
    image = first.locator("legend img")
    assert image.get_attribute("alt") == "网络图"
    page.wait_for_function(
        "() => document.querySelector('fieldset.question legend img').naturalWidth === 60"
    )
    assert first.locator("label.option b").inner_text() == "环形"
    assert first.locator("a, script, [onclick], [onerror], [style]").count() == 0
    assert page.evaluate("() => window.hacked === undefined")
    # The options still answer: choosing the formatted one saves it.
    first.locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=saved]")
    screenshot(page, "paper")
