"""Net Promoter Score with an honest interval.

NPS = % promoters (9-10) − % detractors (0-6), on answered questions only (a skipped
question is not in the denominator). The 95% interval is the adjusted-Wald interval of
Rocks (2016) / Sauro & Lewis: add 3 to n and 3/4 to the promoter and detractor counts,
then use the variance of a difference of two multinomial shares. It keeps its nominal
coverage with small samples and never collapses to zero width at NPS = ±100.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from legame.engine import Engine, EngineName, engine_for
from legame.errors import InputError
from legame.metrics.period import Period
from legame.store import Workspace
from legame.store.bookkeeping import has_table

Category = Literal["promoter", "passive", "detractor"]
Z95 = 1.959963984540054


def category(score: int | None) -> Category | None:
    """The NPS category of one 0-10 answer (None for a skipped answer)."""
    if score is None:
        return None
    if not 0 <= score <= 10:
        raise InputError(
            f"The 'score' argument of category must be an NPS answer from 0 "
            f"to 10. Got {score!r} instead."
        )
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


@dataclass(frozen=True)
class NPS:
    """NPS on the -100..100 scale, the three shares (0..1), n, and the 95% interval."""

    nps: float | None
    n: int
    promoters: float | None
    passives: float | None
    detractors: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def nps_from_counts(promoters: int, passives: int, detractors: int) -> NPS:
    """NPS and its adjusted-Wald 95% interval from the three counts."""
    counts = {"promoters": promoters, "passives": passives, "detractors": detractors}
    for name, count in counts.items():
        if count < 0:
            raise InputError(
                f"The '{name}' argument of nps_from_counts must be a count of "
                f"answers, >= 0. Got {count!r} instead."
            )
    n = promoters + passives + detractors
    if n == 0:
        return NPS(None, 0, None, None, None, None, None)
    pro, det = promoters / n, detractors / n
    n_adj = n + 3
    pro_adj = (promoters + 0.75) / n_adj
    det_adj = (detractors + 0.75) / n_adj
    centre = pro_adj - det_adj
    var = (pro_adj + det_adj - centre**2) / n_adj
    half = Z95 * math.sqrt(var)
    return NPS(
        nps=100 * (pro - det),
        n=n,
        promoters=pro,
        passives=passives / n,
        detractors=det,
        ci_low=100 * max(-1.0, centre - half),
        ci_high=100 * min(1.0, centre + half),
    )


NpsBy = Literal["month", "segment", "channel"]
#: The bounds of "every answer ever": the period ``all`` when none is given.
_EVER = (datetime(1900, 1, 1), datetime(3000, 1, 1))


def nps_report(
    workspace: Workspace,
    by: NpsBy | None = None,
    *,
    period: Period | None = None,
    every_answer: bool = False,
    engine: EngineName = "duckdb",
    engine_options: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """Overall NPS and, with ``by``, one entry per month, RFM segment or purchase channel,
    of the answers in ``period`` (default: all of them).

    Each customer counts once, by their latest answer (in each month, for ``by="month"``);
    ``every_answer=True`` counts every answer instead. ``nps_counts`` in the result says
    which (``latest_per_customer`` or ``every_answer``), and ``period`` which answers.
    The counts run on ``engine`` (``engine_options`` as for :func:`legame.scoring.score`);
    by segment, the segments come from the workspace's ``customer_scores``."""
    if by is not None:
        if by not in ("month", "segment", "channel"):
            raise InputError(f"--by must be month, segment or channel; got {by!r}.")
        if by == "segment" and not has_table(workspace, "customer_scores"):
            raise InputError("NPS by segment needs the scores: run `legame score` first.")
    eng = engine_for(workspace, engine, **dict(engine_options or {}))
    try:
        return _report(eng, by, period=period, every_answer=every_answer)
    finally:
        eng.close()


def _report(
    engine: Engine, by: NpsBy | None, *, period: Period | None, every_answer: bool
) -> dict[str, Any]:
    start, end = (period.start, period.end) if period is not None else _EVER
    bounds: dict[str, Any] = {"start": start, "end": end, "every": every_answer}
    overall = _from_rows(engine.query("nps_overall", **bounds).to_pylist())[0][1]
    payload: dict[str, Any] = dict(overall.to_dict())
    payload["nps_counts"] = "every_answer" if every_answer else "latest_per_customer"
    payload["period"] = None if period is None else period.to_dict()
    if by is not None:
        payload["by"] = by
        if by == "segment":
            with engine.shared("customer_scores", ("customer_id", "segment")):
                rows = engine.query("nps_by_segment", **bounds).to_pylist()
        else:
            rows = engine.query(f"nps_by_{by}", **bounds).to_pylist()
        payload["groups"] = [{by: name, **result.to_dict()} for name, result in _from_rows(rows)]
    return payload


def _from_rows(rows: list[dict[str, Any]]) -> list[tuple[str, NPS]]:
    return [
        (
            str(row["grp"]),
            nps_from_counts(
                int(row["promoters"] or 0), int(row["passives"] or 0), int(row["detractors"] or 0)
            ),
        )
        for row in rows
    ]
