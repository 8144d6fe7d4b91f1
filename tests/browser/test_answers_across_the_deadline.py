"""No answer typed before the deadline is lost when the page is offline across it and comes back
inside the grace period, in headless Chromium against the real processes: the page keeps the
answers, locks the paper when time is up, sends them on its return (also with latency) and
submits only once the server has acknowledged every one."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone

from exams.models import Answer, Attempt
from exams.statuses import AttemptStatus
from questionbank.models import Question
from tests.browser.flows import sign_the_commitment, wait_for
from tests.personas import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRACE_SECONDS = 20
# Seconds from the last online save to the deadline, and from the deadline to the return.
BEFORE_DEADLINE = 10
BACK_AFTER_DEADLINE = 4

# One atomic step in the page: type into a question's text box unless the paper is locked, so
# the test knows exactly which answers were typed in time.
TYPE = """([position, value]) => {
  const fieldset = document.querySelectorAll("fieldset.question")[position];
  if (fieldset.disabled) return false;
  const area = fieldset.querySelector("textarea");
  area.value = value;
  area.dispatchEvent(new Event("input", { bubbles: true }));
  return true;
}"""


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"EXAM_SAVE_GRACE_SECONDS": str(GRACE_SECONDS)}


def written_questions(personas: Personas, count: int) -> None:
    for n in range(count):
        question = Question.objects.create(
            subject=personas.formal.subject,
            kind=Question.Kind.SHORT_ANSWER,
            text=f"Written question {n + 1}",
            answer="",
            points=1,
        )
        personas.formal.paper_items.create(question=question, position=4 + n)


@pytest.mark.parametrize("latency", [0.0, 0.15], ids=["no-latency", "150ms-latency"])
def test_answers_typed_before_the_deadline_survive_an_outage_across_it(
    personas: Personas, live_url: str, browser: Any, screenshot: Any, latency: float
) -> None:
    written_questions(personas, 6)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 900})
    page = context.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question textarea")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    order = [int(item["question"]) for item in attempt.paper]
    written = [i for i, q in enumerate(order) if i >= 3]

    # A short exam: the deadline comes soon; the next save tells the page.
    deadline = timezone.now() + dt.timedelta(seconds=BEFORE_DEADLINE)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline)
    expected: dict[int, object] = {}
    page.locator("fieldset.question").nth(0).locator("input[value=B]").check()
    expected[order[0]] = "B"
    page.wait_for_selector("#save-status[data-state=saved]")

    # Offline until after the deadline, answering all the while; the page locks at time 0.
    context.set_offline(True)
    page.locator("fieldset.question").nth(1).locator("input[value=A]").check()
    expected[order[1]] = "A"
    step = 0
    typed_late = 0
    while timezone.now() < deadline + dt.timedelta(seconds=2):
        position = written[step % len(written)]
        value = f"answer {step} to question {position + 1}"
        if page.evaluate(TYPE, [position, value]):
            expected[order[position]] = value
        else:
            typed_late += 1
        step += 1
        time.sleep(0.2)
    assert typed_late, "the page should have locked the paper at the deadline"
    assert len(expected) >= 8  # every question answered, most of them several times
    page.wait_for_selector("#save-status[data-state=closing_offline]")
    screenshot(page, f"offline-after-deadline-{latency}")

    while timezone.now() < deadline + dt.timedelta(seconds=BACK_AFTER_DEADLINE):
        time.sleep(0.1)
    if latency:

        def slow(route: Any) -> None:
            time.sleep(latency)
            route.continue_()

        context.route("**/api/**", slow)
    context.set_offline(False)

    # Back inside the grace: the answers go out, then the paper is submitted.
    page.wait_for_url("**/result/**", timeout=GRACE_SECONDS * 1000)
    attempt.refresh_from_db()
    assert attempt.status in {AttemptStatus.SUBMITTED, AttemptStatus.GRADED}
    assert attempt.submitted_at == deadline
    stored = dict(Answer.objects.filter(attempt=attempt).values_list("question_id", "response"))
    lost = {q: v for q, v in expected.items() if stored.get(q) != v}
    assert not lost, f"{len(lost)} of {len(expected)} answers missing or older on the server"
    # Grading waits for the grace to end, then scores what arrived in time (2 + 1 points).
    wait_for(lambda: Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.MARKING, 40)


@pytest.mark.parametrize("status", [401, 403])
def test_an_answer_refused_for_the_session_is_kept_and_sent_after_signing_in_again(
    personas: Personas, live_url: str, browser: Any, status: int
) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)

    # The session is gone (401) or the request forbidden (403): not saved, and the page says so.
    def refuse(route: Any) -> None:
        route.fulfill(status=status, content_type="application/json", body='{"detail": "no"}')

    context.route("**/answers/**", refuse)
    page.locator("fieldset.question").nth(0).locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=signed_out]")
    assert not Answer.objects.filter(attempt=attempt).exists()
    assert (
        page.evaluate(
            f"Object.values(JSON.parse(localStorage['proctor:attempt:{attempt.pk}']))[0].synced"
        )
        is False
    )

    # Signed in again in this tab (here: the session works again): the kept answer is sent.
    context.unroute("**/answers/**")
    page.reload()
    page.wait_for_selector("#save-status[data-state=saved]")
    assert Answer.objects.get(attempt=attempt).response == "B"


def test_an_answer_the_overloaded_server_turns_away_is_sent_again_when_it_says(
    personas: Personas, live_url: str, browser: Any
) -> None:
    """A 503 with Retry-After (the admission gate's answer, core.admission) is not an error for
    the page: it says the server is busy, keeps the answer and sends it again after that time."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_the_commitment(page, live_url, personas.carol.id_number)
    page.wait_for_selector("fieldset.question")
    attempt = Attempt.objects.get(registration__candidate=personas.carol)
    turned_away: list[float] = []

    def busy_twice(route: Any) -> None:
        if len(turned_away) < 2:
            turned_away.append(time.monotonic())
            route.fulfill(
                status=503,
                headers={"Retry-After": "2"},
                content_type="application/json",
                body='{"code": "busy", "message": "busy"}',
            )
        else:
            route.continue_()

    context.route("**/answers/**", busy_twice)
    page.locator("fieldset.question").nth(0).locator("input[value=B]").check()
    page.wait_for_selector("#save-status[data-state=busy]")
    assert "繁忙" in page.locator("#save-status").inner_text()
    assert not Answer.objects.filter(attempt=attempt).exists()
    page.wait_for_selector("#save-status[data-state=saved]", timeout=15000)
    assert Answer.objects.get(attempt=attempt).response == "B"
    assert len(turned_away) == 2
    assert turned_away[1] - turned_away[0] >= 2.0  # it waited as long as the server asked
