"""The findings as the pages show them: each finding's dict, its null line and its chart.

A finding's interval is drawn against the value that means "no effect" (the finding's
``null``: 1 for ratios, 0 for differences) and, for claims of "no relation", the band of
its ``margin`` around it.

Its claim, summary and method are said in the reader's language from the catalogues'
``finding.*`` messages and the numbers the finding keeps for them (``Finding.text``). A
finding saved by an older legame, without them, shows its English text, marked
``lang="en"``.
"""

from __future__ import annotations

from typing import Any

from legame.store import Workspace
from legame.web import charts
from legame.web.i18n import Catalogue, is_phrase

Finding = dict[str, Any]


def load_findings(ws: Workspace) -> list[Finding]:
    """The stored findings (``legame.views.findings``)."""
    from legame.views import findings

    return findings(ws)


def null_of(finding: Finding) -> float:
    """The no-effect line the finding states."""
    return float(finding.get("null", 0.0))


def margin_of(finding: Finding) -> float | None:
    """The margin within which a difference counts as none (None when the claim has none)."""
    margin = float(finding.get("margin", 0.0))
    return margin or None


def has_interval(finding: Finding) -> bool:
    return all(isinstance(finding.get(k), int | float) for k in ("estimate", "ci_low", "ci_high"))


def sentences(finding: Finding, c: Catalogue) -> dict[str, str]:
    """``{"claim", "summary", "method", "lang"}``: the finding's sentences in ``c``'s language
    (``lang`` empty), or in English as saved (``lang`` "en") when it has no ``text`` this
    catalogue can say."""
    text = finding.get("text") or {}
    try:
        summary = text["summary"]
        if not isinstance(summary, list) or not all(is_phrase(p) for p in summary):
            raise TypeError("not a list of phrases")
        return {
            "claim": c.t(text["claim"]),
            "summary": " ".join(c.phrase(p) for p in summary),
            "method": c.t(text["method"]),
            "lang": "",
        }
    except (KeyError, TypeError, ValueError, IndexError):  # none, or another legame's
        return {
            "claim": str(finding.get("claim", "")),
            "summary": str(finding.get("summary", "")),
            "method": str(finding.get("method", "")),
            "lang": "en",
        }


def present(findings: list[Finding], c: Catalogue) -> list[dict[str, Any]]:
    """Each finding with what its card shows: its sentences, the null, the formatted
    interval, the chart."""
    shown = []
    for f in findings:
        null, margin = null_of(f), margin_of(f)
        item: dict[str, Any] = {
            "finding": f,
            "text": sentences(f, c),
            "null": null,
            "margin": margin,
            "chart": None,
        }
        if has_interval(f):
            digits = 3 if max(abs(f["estimate"]), abs(f["ci_low"]), abs(f["ci_high"])) < 1 else 2
            item["t_estimate"] = c.num(f["estimate"], digits)
            item["t_interval"] = c.t(
                "fmt.interval", low=c.num(f["ci_low"], digits), high=c.num(f["ci_high"], digits)
            )
            item["t_null"] = c.num(null, digits)
            item["chart"] = charts.finding_interval(f, null, c, margin=margin)
        shown.append(item)
    return shown
