"""Opening cases: one for each detractor answer and each poor ticket, once.

``open_cases`` reads what calls for a case (``legame/sql/cases/candidates.sql``: NPS 0-6
answers, and tickets poor by ``defs/poor_ticket``, as the findings and the scores judge
them) among the answers and tickets of the last ``[cases] lookback_days`` before ``as_of``,
leaving out every source that has a case already, and opens them in the same transaction,
under the writer lock: running it again opens nothing new, and two runs at once open each
case once. A ticket that becomes poor by the passing of time (left unresolved) is opened by
the first run after its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from legame import sql
from legame.engage.cases.queue import KINDS, rows
from legame.engage.governor.clock import to_utc
from legame.engage.gratitude.plan import assign_arm
from legame.metrics import definitions as d
from legame.policy import Policy, load_policy, policy_path_for
from legame.store import Workspace
from legame.store.bookkeeping import has_table

#: The gratitude trigger whose randomized holdout the detractor cases share.
CALLBACK_TRIGGER = "detractor_callback"
_NEW = "_cases_new"


@dataclass(frozen=True)
class Opened:
    """What ``open_cases`` did: the instant it opened cases at, the start of the lookback
    window, and the new cases (ids, and how many per kind)."""

    as_of: datetime
    since: datetime
    case_ids: list[int] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def opened(self) -> int:
        return len(self.case_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "since": self.since,
            "opened": self.opened,
            "by_kind": self.by_kind,
            "case_ids": self.case_ids,
        }


def policy_for(ws: Workspace, policy: Policy | None) -> Policy:
    """The given policy, or the workspace's ``legame.toml`` (defaults without one)."""
    return policy if policy is not None else load_policy(policy_path_for(ws.path))


def open_cases(
    ws: Workspace, *, as_of: datetime | str | None = None, policy: Policy | None = None
) -> Opened:
    """Open a case for every detractor answer and poor ticket of the lookback window before
    ``as_of`` (naive = UTC; default now) that has none yet. Idempotent.

    Each case opens at ``as_of``, due ``[cases] detractor_sla_hours`` or
    ``poor_service_sla_hours`` later, with the customer's CLV and churn risk from
    ``customer_scores`` (None before the first ``legame score``) and, for a detractor whose
    answer is in the detractor_callback trigger's experiment, its arm.
    """
    policy = policy_for(ws, policy)
    at = to_utc(as_of, name="as_of")
    since = at - timedelta(days=policy.cases.lookback_days)
    con = ws.con
    with ws.transaction():
        found = rows(
            ws,
            "cases/candidates",
            [since],
            as_of=at,
            max_nps=d.NPS_DETRACTOR_MAX,
            **d.poor_ticket_params(),
        )
        if not found:
            return Opened(at, since, [], _no_cases())
        scores: dict[str, dict[str, Any]] = {}
        if has_table(ws, "customer_scores"):
            customers = sorted({r["customer_id"] for r in found})
            scores = {r["customer_id"]: r for r in rows(ws, "cases/scores", [customers])}
        con.register(_NEW, _new_cases(found, scores, at, policy))
        try:
            inserted = con.execute(sql.render("cases/insert")).fetchall()
        finally:
            con.unregister(_NEW)
        ids = sorted(int(case_id) for case_id, _ in inserted)
        if ids:
            con.execute(sql.render("cases/record_opened"), [ids])
    by_kind = _no_cases()
    for _, kind in inserted:
        by_kind[kind] += 1
    return Opened(at, since, ids, by_kind)


def _no_cases() -> dict[str, int]:
    return {kind: 0 for kind in KINDS}


def _new_cases(
    found: list[dict[str, Any]], scores: dict[str, dict[str, Any]], at: datetime, policy: Policy
) -> pa.Table:
    """The rows of ``cases/insert``'s registered table, in the order to number them."""
    sla = {
        "detractor": timedelta(hours=policy.cases.detractor_sla_hours),
        "poor_service": timedelta(hours=policy.cases.poor_service_sla_hours),
    }
    callback = policy.gratitude.trigger(CALLBACK_TRIGGER)
    program = policy.gratitude

    def arm(row: dict[str, Any]) -> str | None:
        if row["kind"] != "detractor" or not callback.enabled:
            return None
        if row["nps"] > callback["max_nps"]:  # type: ignore[operator]  # a whole number
            return None  # not a moment the trigger calls back: not in its experiment
        return assign_arm(program.seed, CALLBACK_TRIGGER, row["source_key"], program.holdout_share)

    def score(row: dict[str, Any], name: str) -> Any:
        return scores.get(row["customer_id"], {}).get(name)

    return pa.table(
        {
            "position": pa.array(range(len(found)), pa.int64()),
            "kind": pa.array([r["kind"] for r in found], pa.string()),
            "source_key": pa.array([r["source_key"] for r in found], pa.string()),
            "customer_id": pa.array([r["customer_id"] for r in found], pa.string()),
            "event_at": pa.array([r["event_at"] for r in found], pa.timestamp("us")),
            "opened_at": pa.array([at] * len(found), pa.timestamp("us")),
            "due_at": pa.array([at + sla[r["kind"]] for r in found], pa.timestamp("us")),
            "arm": pa.array([arm(r) for r in found], pa.string()),
            "clv_at_open": pa.array([score(r, "clv") for r in found], pa.float64()),
            "churn_risk_at_open": pa.array([score(r, "churn_risk") for r in found], pa.string()),
            "nps": pa.array([r["nps"] for r in found], pa.int32()),
            "comment": pa.array([r["comment"] for r in found], pa.string()),
            "detail": pa.array([detail(r) for r in found], pa.string()),
            **_fact_columns([facts(r) for r in found]),
        }
    )


#: What makes a poor-service case, as stored beside its ``detail`` (migration 0010): the
#: ticket's category, the deadlines of the poor-ticket rule it missed (hours, days) and its
#: CSAT when low; None where that part of the rule was not broken.
FACTS: dict[str, pa.DataType] = {
    "ticket_category": pa.string(),
    "slow_response_hours": pa.int32(),
    "slow_resolution_days": pa.int32(),
    "low_csat": pa.int32(),
}


def facts(row: dict[str, Any]) -> dict[str, Any]:
    """What made a candidate a poor-service case, as :data:`FACTS` (all None for a
    detractor: its ``nps`` says it). The dashboard says them in its reader's language."""
    if row["kind"] == "detractor":
        return dict.fromkeys(FACTS)
    params = d.poor_ticket_params()
    return {
        "ticket_category": row["category"],
        "slow_response_hours": params["response_hours"] if row["slow_response"] else None,
        "slow_resolution_days": params["resolution_days"] if row["slow_resolution"] else None,
        "low_csat": row["csat"] if row["low_csat"] else None,
    }


def _fact_columns(rows_: list[dict[str, Any]]) -> dict[str, pa.Array]:
    return {name: pa.array([r[name] for r in rows_], kind) for name, kind in FACTS.items()}


def detail(row: dict[str, Any]) -> str:
    """What made a candidate a case, in English words (the API's and the command line's;
    migration 0010 reads the facts back from this form: keep the two in step)."""
    if row["kind"] == "detractor":
        return f"NPS {row['nps']}"
    said = facts(row)
    broke = []
    if said["slow_response_hours"] is not None:
        broke.append(f"no first response within {said['slow_response_hours']} h")
    if said["slow_resolution_days"] is not None:
        broke.append(f"not resolved within {said['slow_resolution_days']} days")
    if said["low_csat"] is not None:
        broke.append(f"rated {said['low_csat']}/5")
    about = f" ({row['category']})" if row["category"] else ""
    return f"ticket {row['ticket_id']}{about}: {'; '.join(broke) or 'poor'}"
