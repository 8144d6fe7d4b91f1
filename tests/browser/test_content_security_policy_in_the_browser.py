"""The Content-Security-Policy holds in a real browser: the page's own scripts run, a script
injected into the page does not, and the page cannot be framed."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_injected_script_does_not_run_and_the_page_is_not_framed(live_url: str, browser) -> None:
    page = browser.new_context(locale="en-US").new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    page.goto(f"{live_url}/support/device-check/")
    # The page's own script runs: it fills in the browser check when asked to start.
    page.click("#device-start")
    page.wait_for_function(
        "() => document.querySelector('[data-item=browser] [data-verdict]')"
        ".textContent.trim() !== '…'"
    )
    ran = page.evaluate(
        """() => new Promise((resolve) => {
            window.injected = false;
            const tag = document.createElement("script");
            tag.textContent = "window.injected = 'script'";
            document.body.append(tag);
            document.body.insertAdjacentHTML(
                "beforeend", `<img src="data:,x" onerror="window.injected = 'handler'">`);
            setTimeout(() => resolve(window.injected), 500);
        })"""
    )
    assert ran is False
    assert any("Content Security Policy" in text for text in violations), violations

    framed = browser.new_context().new_page()
    framed.set_content(f'<iframe src="{live_url}/exam/sign-in/"></iframe>')
    framed.wait_for_timeout(1000)
    frame = framed.frames[-1]
    assert "id_number" not in frame.content(), "the sign-in page rendered inside a frame"
