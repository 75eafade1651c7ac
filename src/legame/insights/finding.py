"""The one result type every finding returns, and the shared verdict rules.

A finding tests one claim from the seed articles on the user's own data. Its ``verdict``
is one of:

* ``supported``: the 95% interval lies wholly on the side of the claim (beyond the null,
  or beyond a stated margin for claims of "no relation" or "better");
* ``contradicted``: the interval lies wholly on the other side;
* ``not_supported``: the interval straddles the line: the data cannot tell;
* ``insufficient_data``: too little data for an estimate worth reporting (each finding
  states its minimum), or the computation failed (``details["error"]`` says why).

A finding says its claim, method and summary in English (``claim``, ``method``,
``summary``: what the CLI prints and the API returns) and, in ``text``, how those sentences
are made: message keys of the dashboard's catalogues (``legame/web/i18n``) and the numbers
they need, so that the dashboard and the report can say them in the reader's language::

    {"claim": "finding.<id>.claim", "method": "finding.<id>.method",
     "summary": [{"key": "finding.<id>.result", "values": {"est": 1.27, ...}},
                 {"key": "finding.<id>.supported", "values": {}}]}

A value may itself be a phrase (``{"key", "values"}``), and a phrase with ``n`` depends on
that count (its message has plural forms): ``phrase("count.customers", n=12)``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["supported", "not_supported", "contradicted", "insufficient_data"]
VERDICTS: tuple[Verdict, ...] = ("supported", "not_supported", "contradicted", "insufficient_data")
Direction = Literal["above", "below"]


@dataclass(frozen=True)
class Finding:
    """A tested claim: the estimate, its 95% interval, the verdict and a plain summary."""

    id: str
    claim: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    verdict: Verdict
    summary: str
    causal: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    #: The value meaning "no effect" (1 for a ratio, 0 for a difference), and the margin
    #: around it within which a claim of "no relation" holds (0 when the claim has none).
    null: float = 0.0
    margin: float = 0.0
    #: How the claim, method and summary are said in other languages (see above); empty
    #: for a finding that has not said it.
    text: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        """A JSON-ready dict (non-finite numbers become ``None``): the documented shape the
        CLI prints, and ``text`` too when ``with_text`` (the saved findings keep it, for the
        dashboard and the report)."""
        out: dict[str, Any] = _clean(asdict(self))
        if not with_text:
            del out["text"]
        return out


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def verdict_from_interval(
    ci_low: float, ci_high: float, line: float, direction: Direction
) -> Verdict:
    """``supported`` when the interval lies wholly beyond ``line`` in the claimed
    ``direction`` ("above" or "below"), ``contradicted`` when it lies wholly on the other
    side, ``not_supported`` otherwise (or when the interval is not finite)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return "not_supported"
    above, below = ci_low > line, ci_high < line
    if direction == "above":
        return "supported" if above else "contradicted" if below else "not_supported"
    return "supported" if below else "contradicted" if above else "not_supported"


def phrase(key: str, *, n: int | None = None, **values: Any) -> dict[str, Any]:
    """A sentence as data: a catalogue message key and the values it is filled with
    (``n``: the count its plural form depends on)."""
    out: dict[str, Any] = {"key": key, "values": values}
    if n is not None:
        out["n"] = n
    return out


def sentences(id: str, *summary: dict[str, Any]) -> dict[str, Any]:
    """A finding's ``text``: its claim and method keys, and its summary's phrases."""
    return {
        "claim": f"finding.{id}.claim",
        "method": f"finding.{id}.method",
        "summary": list(summary),
    }


def result_sentences(id: str, verdict: Verdict, **values: Any) -> dict[str, Any]:
    """The ``text`` of a finding with an estimate: its result (``finding.<id>.result``,
    with ``values``), then what the verdict means (``finding.<id>.<verdict>``)."""
    return sentences(
        id, phrase(f"finding.{id}.result", **values), phrase(f"finding.{id}.{verdict}")
    )


def insufficient(
    id: str,
    claim: str,
    method: str,
    reason: str,
    *,
    why: dict[str, Any] | None = None,
    n: int = 0,
    causal: bool = False,
    details: dict[str, Any] | None = None,
) -> Finding:
    """A finding with too little data (or a failed computation): no estimate, no guess.
    ``why`` is ``reason`` as a phrase (:func:`phrase`), for the other languages."""
    return Finding(
        id=id,
        claim=claim,
        estimate=None,
        ci_low=None,
        ci_high=None,
        n=n,
        method=method,
        verdict="insufficient_data",
        summary=f"Not enough data to test this yet: {reason}",
        causal=causal,
        details={"reason": reason, **(details or {})},
        text={} if why is None else sentences(id, phrase("finding.insufficient", reason=why)),
    )
