"""The one result type every finding returns, and the shared verdict rules.

A finding tests one claim from the seed articles on the user's own data. Its ``verdict``
is one of:

* ``supported``: the 95% interval lies wholly on the side of the claim (beyond the null,
  or beyond a stated margin for claims of "no relation" or "better");
* ``contradicted``: the interval lies wholly on the other side;
* ``not_supported``: the interval straddles the line: the data cannot tell;
* ``insufficient_data``: too little data for an estimate worth reporting (each finding
  states its minimum), or the computation failed (``details["error"]`` says why).
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite numbers become ``None``)."""
        out: dict[str, Any] = _clean(asdict(self))
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


def insufficient(
    id: str,
    claim: str,
    method: str,
    reason: str,
    *,
    n: int = 0,
    causal: bool = False,
    details: dict[str, Any] | None = None,
) -> Finding:
    """A finding with too little data (or a failed computation): no estimate, no guess."""
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
    )
