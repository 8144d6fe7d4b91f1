"""Steps the browser tests share: signing in and walking a candidate to the paper's threshold."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import connections

from tests.personas import FORMAL_PASSCODE, PASSWORD

T = TypeVar("T")


def staff_sign_in(page: Any, live_url: str, username: str) -> None:
    page.goto(f"{live_url}/accounts/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def candidate_sign_in(
    page: Any, live_url: str, id_number: str, passcode: str = FORMAL_PASSCODE
) -> None:
    """Sign in as a candidate; the page is then the information to confirm."""
    page.goto(f"{live_url}/exam/sign-in/")
    page.fill("#id_id_number", id_number)
    page.fill("#id_passcode", passcode)
    page.click("main button[type=submit]")
    page.wait_for_url("**/exam/info/")


def sign_the_commitment(
    page: Any, live_url: str, id_number: str, passcode: str = FORMAL_PASSCODE
) -> None:
    """Sign in as a candidate, confirm the information and sign the commitment letter; the page
    then goes on to whatever the exam requires next (the paper, the phone step…)."""
    candidate_sign_in(page, live_url, id_number, passcode)
    page.click("main button.primary")
    page.wait_for_url("**/exam/commitment/")
    page.click("button[value=accept]")


def answer_the_consent_step(page: Any, *, agree: bool = True) -> None:
    """On an exam with the identity step, the page after the commitment letter asks for
    consent before any face processing: agree (the automatic face check) or refuse (the
    human review)."""
    page.wait_for_url("**/vision/identity/consent/")
    page.click("#consent-automatic" if agree else "#consent-human")
    page.wait_for_url("**/vision/identity/" if agree else "**/vision/identity/review/")


def wait_for(predicate: Callable[[], object], seconds: float = 20.0) -> None:
    """Poll the database (or anything) until ``predicate`` holds."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.25)


def off_the_loop(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own: Playwright's event loop runs in the test's thread,
    where publishing to the channel layer (async_to_sync) is not allowed."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def page_module(name: str) -> str:
    """A JavaScript expression (for an ``async`` function given to ``page.evaluate`` or
    ``page.wait_for_function``) that is the page's own instance of the ES module
    ``static/js/<name>.js``. The front end puts nothing on ``window``; a browser loads a module
    once per address, so importing it again hands the test the very module the page runs (its
    ``stats``, the review ``player``)."""
    return f'(await import("/static/js/{name}.js"))'


def wait_for_module(page: Any, name: str, predicate: str, timeout: float = 30000) -> None:
    """Wait until ``predicate`` (a JavaScript function of the module) holds for the page's own
    instance of ``static/js/<name>.js``. ``page.wait_for_function`` takes a returned promise for
    a true value, so the module is imported first and handed to a synchronous predicate."""
    module = page.evaluate_handle(f'() => import("/static/js/{name}.js")')
    page.wait_for_function(predicate, arg=module, timeout=timeout)
