"""The contact governor: may this send go out now? Log it. Plan a whole audience.

``Governor(workspace, policy)`` reads the log in the workspace on every call (no cache
that could go stale): ``check`` answers for one send with one point query, ``record``
logs a send in ``messages`` as one batch, and ``plan`` applies the same rules to a whole
audience in one set-based query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from legame import sql
from legame.engage.governor import messages as m
from legame.engage.governor.clock import quiet_state, to_utc, zone_for
from legame.engage.governor.decision import Decision, Reason
from legame.engage.governor.rules import (
    MONTH_DAYS,
    History,
    Preference,
    evaluate,
    next_allowed,
    own_quiet_hours,
)
from legame.errors import InputError, NotFoundError
from legame.ingest.ids import clean_customer_id, clean_customer_ids
from legame.policy import ALL_CHANNELS, ContactTest, Policy, load_policy, policy_path_for
from legame.store import Workspace
from legame.store.bookkeeping import next_batch_id

#: ``_source_file`` of sends logged by ``record`` (and of their batch).
RECORD_SOURCE = "legame contact record"
_REASON = pa.struct(
    [("rule", pa.string()), ("message", pa.string()), ("until", pa.timestamp("us"))]
)


@dataclass(frozen=True)
class Recorded:
    """A send logged by :meth:`Governor.record`."""

    message_id: str
    batch_id: int
    inserted: bool  # False: the same send was already logged under this message id
    implicit_customer: bool  # True: the customer was not known and was created as implicit


class PlanResult(tuple[pa.Table, pa.Table]):
    """``(allowed, suppressed)``: Arrow tables of the audience rows, in audience order.

    ``allowed`` has ``pos`` (0-based position in the audience) and ``customer_id``;
    ``suppressed`` adds ``rule`` (the first blocking rule), ``reason`` (its words),
    ``until`` (when it lifts; null: not by anything in the log), ``rules`` (every blocking
    rule) and ``reasons`` (every reason, as structs of rule, message and until).
    """

    __slots__ = ()

    def __new__(cls, allowed: pa.Table, suppressed: pa.Table) -> PlanResult:
        return super().__new__(cls, (allowed, suppressed))

    @property
    def allowed(self) -> pa.Table:
        return self[0]

    @property
    def suppressed(self) -> pa.Table:
        return self[1]

    def counts(self) -> dict[str, int]:
        """Rows allowed, suppressed, and suppressed per rule (a row counts for each rule)."""
        out = {"allowed": self.allowed.num_rows, "suppressed": self.suppressed.num_rows}
        for rules in self.suppressed.column("rules").to_pylist():
            for rule in rules:
                out[rule] = out.get(rule, 0) + 1
        return out


class Governor:
    """Contact rules of ``policy`` applied to the log in ``workspace``."""

    def __init__(self, workspace: Workspace, policy: Policy) -> None:
        self.workspace = workspace
        self.policy = policy

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> Governor:
        """A governor with the policy file beside the workspace (defaults if there is none)."""
        return cls(workspace, load_policy(policy_path_for(workspace.path)))

    def __repr__(self) -> str:
        return f"<Governor {self.workspace.path} policy={self.policy.source or 'defaults'}>"

    # --- arguments -----------------------------------------------------------------------

    def _channel(self, channel: str) -> str:
        name = channel.strip().lower() if isinstance(channel, str) else ""
        known = self.policy.contact.channels
        if name not in known:
            where = self.policy.source or "the default policy"
            raise InputError(
                f"Unknown channel {channel!r}; the channels in {where} are: "
                f"{', '.join(known)}. Add it to [contact] channels if it is real."
            )
        return name

    def _customer(self, customer_id: object) -> str:
        """The id under the customer-id rule, case-folded as the policy says."""
        return clean_customer_id(customer_id, case=self.policy.ingest.customer_id_case)

    # --- check ---------------------------------------------------------------------------

    def check(
        self,
        customer_id: str,
        channel: str,
        at: datetime | str | None = None,
        *,
        transactional: bool = False,
        campaign_id: str | None = None,
    ) -> Decision:
        """May ``customer_id`` get a message on ``channel`` at ``at`` (default: now)?

        Transactional sends (``transactional=True``, or a campaign whose kind is
        transactional) skip what the policy exempts them from, never a withdrawn consent.
        A customer who is not in ``customers`` is a ``NotFoundError``: nothing can be said
        about them.
        """
        at = to_utc(at)
        channel = self._channel(channel)
        customer = self._customer(customer_id)
        history, kind = self.history(customer, channel, at, campaign_id)
        if not history.known:
            raise NotFoundError(
                f"No customer {customer!r}: there is nothing to check a contact against. "
                "Load the customer first (`legame ingest customers`), or check the id."
            )
        tx = transactional or kind == "transactional"
        contact = self.policy.contact
        reasons = evaluate(contact, history, at, transactional=tx)
        later = next_allowed(contact, history, at, reasons, transactional=tx)
        return Decision(not reasons, reasons, later, at, tx)

    def history(
        self, customer_id: str, channel: str, at: datetime, campaign_id: str | None = None
    ) -> tuple[History, str | None]:
        """What the log says about one customer that can matter at ``at`` or later, and the
        campaign's kind (None if no such campaign)."""
        c = self.policy.contact
        tests = [t for t in self.policy.experiments.contact_tests if t.applies_to(channel)]
        windows = [cap.days for cap in c.caps_for(channel)]
        windows += [cap.days for test in tests for arm in test.arms for cap in arm.caps]
        longest = max([*windows, MONTH_DAYS])  # a customer's own max_per_month
        rows = self.workspace.con.execute(
            sql.render("governor/check"),
            [
                customer_id,
                campaign_id,
                at - timedelta(days=longest),
                at - timedelta(days=c.cooldown.after_complaint_days),
                at - timedelta(days=c.cooldown.after_unsubscribe_days),
            ],
        ).fetchall()
        h = History(channel, tests=[(test, test.arm_of(customer_id)) for test in tests])
        kind = None
        for part, text, t1, t2, t3, status, n1, n2, flag, names in rows:
            if part == 0:
                h.sends.append((t1, text))
                if t2 is not None:
                    h.complaints.append(t2)
                if t3 is not None and text == channel:
                    h.unsubscribes.append(t3)
            elif part == 1:
                if text == channel:
                    h.consents.append((t1, status))
            elif part == 2:
                h.tickets.append((t1, t2))
            elif part == 3:
                h.time_zone, h.known = text, True
            elif part == 4:
                kind = text
            else:
                h.preferences.append(
                    Preference(
                        at=t1,
                        channels=None if names is None else tuple(names),
                        max_per_week=n1,
                        max_per_month=n2,
                        quiet_start=text,
                        quiet_end=status,
                        paused_until=t2,
                        stopped=bool(flag),
                    )
                )
        return h.sort(), kind

    # --- record --------------------------------------------------------------------------

    def record(
        self,
        customer_id: str,
        channel: str,
        at: datetime | str | None,
        *,
        campaign_id: str | None = None,
        message_id: str | None = None,
    ) -> Recorded:
        """Log a send in ``messages``, as one batch in one transaction.

        Without ``message_id`` the send is named ``legame-<batch id>``. Recording the same
        message id again with the same values is a no-op counted as a duplicate (safe to
        retry); with other values it is an error. An unknown customer is created as
        implicit, as ingestion does.
        """
        at = to_utc(at, name="at")
        channel = self._channel(channel)
        customer = self._customer(customer_id)
        campaign = (campaign_id or "").strip() or None
        con = self.workspace.con
        with self.workspace.transaction():
            batch_id = next_batch_id(con)
            mid = (message_id or "").strip() or f"legame-{batch_id}"
            same = con.execute(sql.render("governor/logged_send"), [mid]).fetchall()
            if same and same[0] != (customer, channel, at, campaign):
                raise InputError(
                    f"message_id {mid!r} is already logged for another send "
                    f"(customer {same[0][0]}, {same[0][1]}, {same[0][2]}); use another id."
                )
            inserted = not same
            if inserted:
                con.execute(
                    sql.render("governor/log_send"),
                    [mid, customer, campaign, channel, at, batch_id, RECORD_SOURCE],
                )
            implicit = len(
                con.execute(
                    sql.render("governor/log_implicit_customer"),
                    [customer, batch_id, RECORD_SOURCE],
                ).fetchall()
            )
            con.execute(
                sql.render("governor/log_batch"),
                [
                    batch_id,
                    RECORD_SOURCE,
                    json.dumps({"message_id": mid}),
                    int(inserted),
                    int(not inserted),
                    implicit,
                ],
            )
        return Recorded(mid, batch_id, inserted, bool(implicit))

    # --- plan ----------------------------------------------------------------------------

    def plan(
        self,
        audience_customer_ids: Iterable[str] | pa.Array | pa.ChunkedArray,
        channel: str,
        at: datetime | str | None = None,
        *,
        campaign_id: str | None = None,
        transactional: bool = False,
    ) -> PlanResult:
        """Apply the rules to every planned send (one per audience row) at ``at``, set-based.

        Rows are planned in audience order; a customer listed several times gets several
        sends, each counted against the caps, so no cap is ever exceeded within the plan.
        The result equals checking and recording the rows one at a time (a test pins it).
        """
        at = to_utc(at)
        channel = self._channel(channel)
        ids = clean_customer_ids(
            _audience(audience_customer_ids), case=self.policy.ingest.customer_id_case
        )
        con = self.workspace.con
        kind = None
        if campaign_id is not None:
            found = con.execute(sql.render("governor/campaign_kind"), [campaign_id]).fetchall()
            kind = found[0][0] if found else None
        tx = transactional or kind == "transactional"
        c = self.policy.contact
        exempt = c.transactional
        capped = not (tx and exempt.exempt_from_caps)
        caps = list(c.caps_for(channel)) if capped else []
        tests = [
            t
            for t in self.policy.experiments.contact_tests
            if capped and t.applies_to(channel) and t.active(at)
        ]
        windows = [k.days for k in caps]
        windows += [k.days for test in tests for arm in test.arms for k in arm.caps]
        windows += [] if tx else [MONTH_DAYS]  # a customer's own max_per_month
        audience = pa.table({"pos": pa.array(range(len(ids)), pa.int64()), "customer_id": ids})
        arms, test_caps = _arms(tests, pc.unique(ids))
        names = (
            "_gov_audience",
            "_gov_caps",
            "_gov_zones",
            "_gov_arms",
            "_gov_test_caps",
            "_gov_own_quiet",
        )
        try:
            con.register("_gov_audience", audience)
            con.register("_gov_arms", arms)
            con.register("_gov_test_caps", test_caps)
            con.register(
                "_gov_caps",
                pa.table(
                    {
                        "idx": pa.array(range(len(caps)), pa.int64()),
                        "channel": pa.array(
                            [None if k.channel == ALL_CHANNELS else k.channel for k in caps],
                            pa.string(),
                        ),
                        "days": pa.array([k.days for k in caps], pa.int32()),
                        "lim": pa.array([k.limit for k in caps], pa.int64()),
                        "label": pa.array([m.channel_label(k.channel) for k in caps], pa.string()),
                    }
                ),
            )
            con.register("_gov_zones", self._zones(at))
            con.register("_gov_own_quiet", self._own_quiet(at, marketing=not tx))
            result = con.sql(
                sql.render(
                    "governor/plan",
                    at=at,
                    channel=sql.Text(channel),
                    consent_required=not tx and channel in c.require_consent,
                    complaint_days=c.cooldown.after_complaint_days,
                    unsubscribe_days=c.cooldown.after_unsubscribe_days,
                    ticket_open=c.cooldown.while_ticket_open,
                    ticket_days=c.cooldown.after_ticket_resolved_days,
                    cooldowns=not (tx and exempt.exempt_from_cooldowns),
                    quiet=c.quiet_hours.enabled and not (tx and exempt.exempt_from_quiet_hours),
                    preferences=not tx,
                    max_days=max(windows, default=0),
                    when=sql.Text(m.WHEN),
                    t_withdrawn=sql.Text(m.CONSENT_WITHDRAWN),
                    t_missing=sql.Text(m.CONSENT_MISSING),
                    t_complaint=sql.Text(m.COMPLAINT),
                    t_unsubscribe=sql.Text(m.UNSUBSCRIBE),
                    t_ticket_open=sql.Text(m.TICKET_OPEN),
                    t_ticket_resolved=sql.Text(m.TICKET_RESOLVED),
                    t_cap=sql.Text(m.CAP),
                    t_cap_zero=sql.Text(m.CAP_ZERO),
                    t_test_cap=sql.Text(m.TEST_CAP),
                    t_pref_stop=sql.Text(m.PREFERENCE_STOP),
                    t_pref_channel=sql.Text(m.PREFERENCE_CHANNEL),
                    t_pref_pause=sql.Text(m.PREFERENCE_PAUSE),
                    t_pref_cap=sql.Text(m.PREFERENCE_CAP),
                )
            ).to_arrow_table()
        finally:
            for name in names:
                con.unregister(name)
        return _split(result)

    def _own_quiet(self, at: datetime, *, marketing: bool) -> pa.Table:
        """The customers' own quiet hours that are on at ``at``: one row for each (time
        zone, start, end) of the audience's saved preferences that is quiet then, with when
        it ends and its words (choices read as ``check`` reads them; no rows for a
        transactional plan, which preferences never block)."""
        default = self.policy.contact.quiet_hours.default_time_zone
        rows = (
            self.workspace.con.execute(sql.render("governor/audience_own_quiet")).fetchall()
            if marketing
            else []
        )
        found: list[tuple[str, str, str, datetime, str]] = []
        for key, start, end in rows:
            own = own_quiet_hours(start, end, default)
            if own is None:
                continue
            state = quiet_state(own, zone_for(key or None, default), at)
            if state.until is None:
                continue
            words = m.PREFERENCE_QUIET.format(
                f"{own.start:%H:%M}", f"{own.end:%H:%M}", state.zone, f"{state.local:%H:%M}"
            )
            found.append((key, start, end, state.until, words))
        return pa.table(
            {
                "zone_key": pa.array([f[0] for f in found], pa.string()),
                "quiet_start": pa.array([f[1] for f in found], pa.string()),
                "quiet_end": pa.array([f[2] for f in found], pa.string()),
                "until": pa.array([f[3] for f in found], pa.timestamp("us")),
                "message": pa.array([f[4] for f in found], pa.string()),
            }
        )

    def _zones(self, at: datetime) -> pa.Table:
        """Quiet hours at ``at`` for every time zone of the customers (and '' = none)."""
        q = self.policy.contact.quiet_hours
        keys = [
            row[0]
            for row in self.workspace.con.execute(sql.render("governor/audience_zones")).fetchall()
        ]
        keys = sorted(set(keys) | {""})
        until: list[datetime | None] = []
        words: list[str | None] = []
        for key in keys:
            state = quiet_state(q, zone_for(key or None, q.default_time_zone), at)
            until.append(state.until)
            words.append(
                None
                if state.until is None
                else m.QUIET.format(
                    f"{q.start:%H:%M}", f"{q.end:%H:%M}", state.zone, f"{state.local:%H:%M}"
                )
            )
        return pa.table(
            {
                "zone_key": pa.array(keys, pa.string()),
                "until": pa.array(until, pa.timestamp("us")),
                "message": pa.array(words, pa.string()),
            }
        )


def _arms(tests: list[ContactTest], ids: pa.Array) -> tuple[pa.Table, pa.Table]:
    """The audience's arms in the running ``tests`` (``_gov_arms``: customer_id, test_idx,
    arm_idx; the hash of :mod:`legame.assign`, as ``check`` computes it), and
    every arm's caps (``_gov_test_caps``: ``idx`` orders them as ``check`` lists them)."""
    customers = ids.to_pylist()
    arm_of = [test.arms_of(customers) for test in tests]
    arms = pa.table(
        {
            "customer_id": pa.array(customers * len(tests), pa.string()),
            "test_idx": pa.array(np.repeat(np.arange(len(tests)), len(customers)), pa.int64()),
            "arm_idx": pa.array(np.concatenate([*arm_of, np.zeros(0, np.int64)]), pa.int64()),
        }
    )
    rows = [
        (i, a, test, arm, cap)
        for i, test in enumerate(tests)
        for a, arm in enumerate(test.arms)
        for cap in arm.caps
    ]
    test_caps = pa.table(
        {
            "test_idx": pa.array([r[0] for r in rows], pa.int64()),
            "arm_idx": pa.array([r[1] for r in rows], pa.int64()),
            # in check's order of a customer's reasons: test by test, an arm's caps by window
            "idx": pa.array(range(len(rows)), pa.int64()),
            "channel": pa.array(
                [None if r[4].channel == ALL_CHANNELS else r[4].channel for r in rows], pa.string()
            ),
            "days": pa.array([r[4].days for r in rows], pa.int32()),
            "lim": pa.array([r[4].limit for r in rows], pa.int64()),
            "label": pa.array([m.channel_label(r[4].channel) for r in rows], pa.string()),
            "test": pa.array([r[2].name for r in rows], pa.string()),
            "arm": pa.array([r[3].name for r in rows], pa.string()),
            "ends_at": pa.array([r[2].ends_at for r in rows], pa.timestamp("us")),
        }
    )
    return arms, test_caps


def _audience(ids: Iterable[str] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """The audience as one Arrow array (the customer-id rule is applied by the caller)."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    return (
        ids
        if isinstance(ids, pa.Array)
        else pa.array([None if v is None else str(v) for v in ids], pa.string())
    )


def _split(result: pa.Table) -> PlanResult:
    reasons = result.column("reasons")
    blocked = pc.greater(pc.list_value_length(reasons), 0)
    allowed = result.filter(pc.invert(blocked)).select(["pos", "customer_id"])
    sup = result.filter(blocked)
    every = sup.column("reasons").combine_chunks().cast(pa.list_(_REASON))
    first = pc.list_element(every, 0)
    flat = pc.list_flatten(every)
    offsets = np.concatenate([[0], np.cumsum(pc.list_value_length(every).to_numpy())])
    suppressed = pa.table(
        {
            "pos": sup.column("pos"),
            "customer_id": sup.column("customer_id"),
            "rule": pc.struct_field(first, "rule"),
            "reason": pc.struct_field(first, "message"),
            "until": pc.struct_field(first, "until"),
            "rules": pa.ListArray.from_arrays(
                pa.array(offsets, pa.int32()), pc.struct_field(flat, "rule")
            ),
            "reasons": every,
        }
    )
    return PlanResult(allowed, suppressed)


def reasons_of(row: dict[str, Any]) -> list[Reason]:
    """A suppressed row's reasons (from ``suppressed.to_pylist()``) as :class:`Reason`s."""
    return [Reason(r["rule"], r["message"], r["until"]) for r in row["reasons"]]
