"""The simulated world as the ten canonical tables (pyarrow), identifiers in time order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from legame.metrics.definitions import nps_category
from legame.simulate import columns as col
from legame.simulate.campaign_text import NAMES, STYLES, TEMPLATES
from legame.simulate.clock import iso
from legame.simulate.contact import CHANNELS, CONTENT_LANGUAGES, Contact, content_language
from legame.simulate.gratitude import FEE_FORGIVENESS, TRIGGERS
from legame.simulate.identities import contact_details
from legame.simulate.referrals import Referrals
from legame.simulate.service import Tickets
from legame.simulate.streams import Streams
from legame.simulate.surveys import N_ITEMS
from legame.simulate.text import comments
from legame.simulate.world import World
from legame.store.schema import MOTIVATORS

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

STATUSES = ("completed", "refunded", "cancelled")
#: Columns the simulated files hold beyond the canonical schema (ingest keeps them in
#: ``_extra``): the acquisition channel, a static covariate with planted effects.
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {"customers": ("acquisition_channel",)}
GESTURE_KINDS = ("fee_waiver", "thank_you_note")
REASONS = (
    "Late fee forgiven for a customer with 3 or more purchases",
    "Thank-you note for the 5th purchase",
)


@dataclass(frozen=True)
class Orders:
    """All orders (completed from the process, plus refunded/cancelled extras), in time
    order; ``row_of_completed[r]`` is the position of completed process order ``r``."""

    cust: I64
    time: F64
    amount: F64
    status: I64
    channel: I64
    row_of_completed: I64


def _by_time(time: F64) -> I64:
    return np.argsort(time, kind="stable")


def draw_orders(world: World, streams: Streams) -> Orders:
    p, h, pop = world.params, world.hist, world.pop
    rng = streams["extra_orders"]
    n_done = h.order_cust.size
    n_extra = int(rng.binomial(n_done, p.extra_order_share)) if n_done else 0
    src = rng.integers(0, max(n_done, 1), n_extra)
    e_time = h.order_time[src] + rng.uniform(0.01, 3.0, n_extra)
    e_amount = np.maximum(
        np.round(rng.gamma(p.gg_p, 1.0, n_extra) / pop.nu[h.order_cust[src]], 2), 0.01
    )
    e_status = np.where(rng.random(n_extra) < p.extra_order_refunded_share, 1, 2)
    keep = e_time < p.end_day
    cust = np.concatenate([h.order_cust, h.order_cust[src][keep]])
    time = np.concatenate([h.order_time, e_time[keep]])
    amount = np.concatenate([h.order_amount, e_amount[keep]])
    status = np.concatenate([np.zeros(n_done, dtype=np.int64), e_status[keep]])
    ch_rng = streams["order_details"]
    u = ch_rng.random((2, cust.size))
    n_ch = len(p.order_channels)
    channel = np.where(
        u[0] < p.order_channel_loyalty, pop.order_channel[cust], (u[1] * n_ch).astype(np.int64)
    )
    order = _by_time(time)
    row_of = np.empty(order.size, dtype=np.int64)
    row_of[order] = np.arange(order.size)
    return Orders(
        cust=cust[order],
        time=time[order],
        amount=amount[order],
        status=status[order],
        channel=channel[order],
        row_of_completed=row_of[:n_done],
    )


def customers_table(world: World, streams: Streams, cust_ids: pa.Array) -> pa.Table:
    p, pop = world.params, world.pop
    emails, phones = contact_details(pop.country, p, streams["identities"])
    zones = [[tz for tz in c.time_zones] for c in p.countries]
    tz = [zones[c][z] for c, z in zip(pop.country.tolist(), pop.time_zone.tolist(), strict=True)]
    return col.table(
        "customers",
        {
            "customer_id": cust_ids,
            "created_at": col.timestamps(pop.birth),
            "email": col.strings(emails),
            "phone": col.strings(phones),
            "country": col.pick([c.code for c in p.countries], pop.country),
            "language": col.pick([c.language for c in p.countries], pop.country),
            "time_zone": col.strings(tz),
        },
        extra={
            "acquisition_channel": col.pick(p.acquisition_channels, pop.acquisition_channel),
        },
    )


def orders_table(world: World, orders: Orders, cust_ids: pa.Array) -> pa.Table:
    p = world.params
    return col.table(
        "orders",
        {
            "order_id": col.ids(
                "O", np.arange(1, orders.cust.size + 1), col.id_width(orders.cust.size, 7)
            ),
            "customer_id": cust_ids.take(orders.cust),
            "ordered_at": col.timestamps(orders.time),
            "amount": col.money(orders.amount),
            "currency": col.strings([p.currency] * orders.cust.size),
            "channel": col.pick(p.order_channels, orders.channel),
            "status": col.pick(STATUSES, orders.status),
        },
    )


def tickets_table(world: World, tk: Tickets, cust_ids: pa.Array) -> pa.Table:
    p = world.params
    o = _by_time(tk.opened)
    return col.table(
        "tickets",
        {
            "ticket_id": col.ids("T", np.arange(1, o.size + 1), col.id_width(o.size)),
            "customer_id": cust_ids.take(tk.cust[o]),
            "opened_at": col.timestamps(tk.opened[o]),
            "first_response_at": col.timestamps(tk.first_response[o]),
            "resolved_at": col.timestamps(tk.resolved[o]),
            "channel": col.pick(p.ticket_channels, tk.channel[o]),
            "category": col.pick(p.ticket_categories, tk.category[o]),
            "csat": col.integers(tk.csat[o]),
            "effort": col.integers(tk.effort[o]),
        },
    )


def surveys_table(world: World, streams: Streams, cust_ids: pa.Array) -> pa.Table:
    p, s = world.params, world.surveys
    o = _by_time(s.time)
    lang = content_language(world.pop, p)[s.cust[o]]
    rng = streams["text"]
    has_comment = rng.random(o.size) < p.comment_share
    sentiment = nps_category(s.nps_latent[o])
    texts = comments(lang[has_comment], sentiment[has_comment].astype(np.int64), rng)
    comment: list[str | None] = [None] * o.size
    for i, t in zip(np.flatnonzero(has_comment).tolist(), texts, strict=True):
        comment[i] = t
    cols: dict[str, pa.Array] = {
        "response_id": col.ids("R", np.arange(1, o.size + 1), col.id_width(o.size)),
        "customer_id": cust_ids.take(s.cust[o]),
        "answered_at": col.timestamps(s.time[o]),
        "nps": col.integers(s.nps[o]),
        "csat": col.integers(s.csat[o]),
        "ces": col.integers(s.ces[o]),
    }
    assert len(MOTIVATORS) == N_ITEMS
    for j, name in enumerate(MOTIVATORS):
        cols[name] = col.integers(s.items[o, j])
    cols["comment"] = col.strings(comment)
    cols["language"] = col.pick(CONTENT_LANGUAGES, lang)
    return col.table("survey_responses", cols)


def fee_tables(
    world: World, streams: Streams, orders: Orders, cust_ids: pa.Array
) -> tuple[pa.Table, pa.Table]:
    """charges and gestures."""
    p, h = world.params, world.hist
    rng = streams["fees"]
    fo = _by_time(h.fee_time)
    fee_number = np.empty(fo.size, dtype=np.int64)
    fee_number[fo] = np.arange(1, fo.size + 1)
    charge_ids = col.ids("CH", fee_number, col.id_width(fo.size))
    # Waivers: treated fee_forgiveness gestures, 1-3 days after the charge (on record by
    # the as-of date).
    lo, hi = p.waive_delay_days
    delay = rng.uniform(lo, hi, h.fee_time.size)
    waived = np.full(h.fee_time.size, np.nan)
    treated_fee = (h.gesture_trigger == FEE_FORGIVENESS) & ~h.gesture_holdout
    f = h.gesture_fee[treated_fee]
    waived[f] = h.fee_time[f] + np.minimum(delay[f], (p.end_day - h.fee_time[f]) * 0.5)
    charges = col.table(
        "charges",
        {
            "charge_id": charge_ids.take(fo),
            "customer_id": cust_ids.take(h.fee_cust[fo]),
            "kind": col.strings(["late_fee"] * fo.size),
            "amount": col.money(h.fee_amount[fo]),
            "charged_at": col.timestamps(h.fee_time[fo]),
            "waived_at": col.timestamps(waived[fo]),
        },
    )

    go = _by_time(h.gesture_time)
    trig = h.gesture_trigger[go]
    hold = h.gesture_holdout[go]
    fee_of = h.gesture_fee[go]
    is_fee = trig == FEE_FORGIVENESS
    cost = np.full(go.size, p.thank_you_cost)
    cost[is_fee] = h.fee_amount[fee_of[is_fee]]
    cost[hold] = 0.0
    order_no = np.full(go.size, -1, dtype=np.int64)
    order_no[~is_fee] = orders.row_of_completed[h.gesture_order[go][~is_fee]] + 1
    order_ids = col.ids("O", order_no, col.id_width(orders.cust.size, 7)).to_pylist()
    fee_ids: list[str | None] = [None] * go.size
    for i, c in zip(
        np.flatnonzero(is_fee).tolist(),
        charge_ids.take(pa.array(fee_of[is_fee], type=pa.int64())).to_pylist(),
        strict=True,
    ):
        fee_ids[i] = c
    keys = [
        f"charge:{c}" if fee else f"order:{o}"
        for fee, c, o in zip(is_fee.tolist(), fee_ids, order_ids, strict=True)
    ]
    reasons = [
        REASONS[t] + (" (holdout: withheld)" if ho else "")
        for t, ho in zip(trig.tolist(), hold.tolist(), strict=True)
    ]
    gestures = col.table(
        "gestures",
        {
            "gesture_id": col.ids("G", np.arange(1, go.size + 1), col.id_width(go.size)),
            "customer_id": cust_ids.take(h.gesture_cust[go]),
            "kind": col.pick(GESTURE_KINDS, trig),
            "reason": col.strings(reasons),
            "given_at": col.timestamps(h.gesture_time[go]),
            "cost": col.money(cost),
            "arm": col.pick(("treatment", "holdout"), hold.astype(np.int64)),
            "trigger": col.pick(TRIGGERS, trig),
            "event_key": col.strings(keys),
        },
    )
    return charges, gestures


def contact_tables(
    world: World, contact: Contact, cust_ids: pa.Array
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """campaigns, messages and consents."""
    camp = contact.campaigns
    n_c = camp.launch.size
    camp_ids = col.ids("CMP", np.arange(1, n_c + 1), col.id_width(n_c, 4))
    names, subjects, bodies = [], [], []
    for i in range(n_c):
        lang = CONTENT_LANGUAGES[camp.language[i]]
        style = STYLES[camp.style[i]]
        subject, body = TEMPLATES[lang][style][camp.template[i]]
        channel = CHANNELS[camp.channel[i]]
        date = iso(max(camp.launch[i], 0.0))[:10]
        names.append(f"{NAMES[style].format(date=date)} {lang} {channel}")
        subjects.append(subject if channel == "email" else None)
        bodies.append(body)
    campaigns = col.table(
        "campaigns",
        {
            "campaign_id": camp_ids,
            "name": col.strings(names),
            "channel": col.pick(CHANNELS, camp.channel),
            "subject": col.strings(subjects),
            "body": col.strings(bodies),
            "language": col.pick(CONTENT_LANGUAGES, camp.language),
            "kind": col.pick(
                ("marketing", "transactional"),
                (camp.style == STYLES.index("transactional")).astype(np.int64),
            ),
        },
    )
    mo = _by_time(contact.sent)
    messages = col.table(
        "messages",
        {
            "message_id": col.ids("M", np.arange(1, mo.size + 1), col.id_width(mo.size, 7)),
            "customer_id": cust_ids.take(contact.cust[mo]),
            "campaign_id": camp_ids.take(contact.campaign[mo]),
            "channel": col.pick(CHANNELS, contact.channel[mo]),
            "sent_at": col.timestamps(contact.sent[mo]),
            "opened_at": col.timestamps(contact.opened[mo]),
            "clicked_at": col.timestamps(contact.clicked[mo]),
            "unsubscribed_at": col.timestamps(contact.unsubscribed[mo]),
            "complained_at": col.timestamps(contact.complained[mo]),
        },
    )
    consents = col.table(
        "consents",
        {
            "customer_id": cust_ids.take(contact.consent_cust),
            "channel": col.pick(CHANNELS, contact.consent_channel),
            "status": col.pick(
                ("granted", "withdrawn"), contact.consent_withdrawn.astype(np.int64)
            ),
            "at": col.timestamps(contact.consent_at),
        },
    )
    return campaigns, messages, consents


def referrals_table(refs: Referrals, cust_ids: pa.Array) -> pa.Table:
    n = refs.referrer.size
    referred = pa.array(np.maximum(refs.referred, 0), mask=refs.referred < 0)
    return col.table(
        "referrals",
        {
            "referral_id": col.ids("RF", np.arange(1, n + 1), col.id_width(n, 5)),
            "referrer_id": cust_ids.take(refs.referrer),
            "referred_customer_id": cust_ids.take(referred),
            "referred_at": col.timestamps(refs.time),
        },
    )
