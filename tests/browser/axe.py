"""axe-core in the browser tests: the copy vendored under ``static/vendor/axe-core`` is loaded from the
live server (same origin, so the pages' Content-Security-Policy allows it; never a CDN), run on the
page, and its serious and critical violations returned as readable lines."""

from __future__ import annotations

AXE_URL = "/static/vendor/axe-core/axe.min.js"
#: The WCAG 2.x A/AA rules and axe's best practices (the default set) are all run; these impacts fail.
FAILING_IMPACTS = ("serious", "critical")


def violations(page, *, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[str]:
    """Run axe-core on ``page`` as it is now; one line per violating rule and node: ``rule (impact):
    help — target — message``. Empty when nothing of ``impacts`` was found."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    found = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }"""
    )
    lines = []
    for rule in found:
        if rule["impact"] not in impacts:
            continue
        for node in rule["nodes"]:
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']} — {node['target']} — {summary}")
    return lines


def assert_accessible(page, where: str) -> None:
    """Fail with every serious/critical axe-core violation on ``page`` (``where`` names it)."""
    found = violations(page)
    assert not found, f"axe-core on {where}:\n" + "\n".join(found)
