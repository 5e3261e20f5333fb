"""axe-core checks: count only serious and critical violations as failures."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def serious_violations(page) -> list[str]:
    results = _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


def assert_accessible(page) -> None:
    problems = serious_violations(page)
    assert not problems, "axe-core found serious/critical violations:\n" + "\n".join(problems)
