"""axe-core (from the npm registry, package.json) run inside a Playwright page: the accessibility
check of the browser tests (issue 17 §4: no serious or critical violation on any page).

The pages' Content-Security-Policy allows only scripts carrying the response's nonce, so a
``<script>`` tag added by the test would be refused. The source is evaluated through the
DevTools protocol instead (``page.evaluate``), which the policy does not govern; the policy
itself stays exactly as production sends it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# The impacts the issue forbids; "minor" and "moderate" findings are reported by axe but
# do not fail a test.
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        raise RuntimeError(
            f"{AXE_SCRIPT} is missing: run `npm ci` (make install-dev does) to install axe-core."
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def violations(page: Any, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """The violations of the page as it is now with one of ``impacts`` (serious and critical
    by default), by WCAG 2.1 A and AA rules and axe's best practices."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(' '), summary: n.failureSummary,
                })),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def describe(found: list[dict[str, Any]], where: str = "") -> str:
    """One readable paragraph per violation: the rule, what it asks, and the first elements."""
    lines = []
    for violation in found:
        lines.append(f"{where} [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"    {node['target']}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
