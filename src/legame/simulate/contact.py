"""Campaigns, the messages sent to each customer, and consents.

* Every customer has a contact-intensity segment drawn at random, independent of every
  other trait: light ~1, normal ~3, heavy ~10 messages a month (while consent lasts).
* Consent at creation: e-mail for ~85% of customers, SMS for ~40%; no send goes out on a
  channel without it. Sends fall between 08:00 and 21:00 local time.
* Each send may be opened (~30% of e-mails), clicked (~10% of opened), unsubscribed from
  (0.003) or complained about (0.001). Those two probabilities are multiplied by a
  pressure factor from the number of messages the customer received in the 30 days before
  the send (``definitions.contact_band``): 1 for 0-4, sqrt(k) for 5-8, k for 9 or more
  (``contact_pressure``, k = 4). An unsubscribe withdraws consent on that channel at that
  time and stops every later send on it.
* While the contact-frequency test runs, each customer's marketing sends are thinned to
  their arm's cap per rolling 7 days before any of that is drawn (``experiments.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from legame.metrics.definitions import contact_band
from legame.simulate import clock, experiments
from legame.simulate.campaign_text import STYLES, TEMPLATES
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import Population

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

CHANNELS: tuple[str, ...] = ("email", "sms")
CONTENT_LANGUAGES: tuple[str, ...] = ("it", "es", "en")
EMAIL, SMS = 0, 1
TRANSACTIONAL = STYLES.index("transactional")
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Campaigns:
    channel: I64
    language: I64  # index into CONTENT_LANGUAGES
    style: I64  # index into campaign_text.STYLES
    template: I64
    launch: F64


@dataclass(frozen=True)
class Contact:
    campaigns: Campaigns
    cust: I64
    campaign: I64
    channel: I64
    sent: F64
    opened: F64
    clicked: F64
    unsubscribed: F64
    complained: F64
    consent_cust: I64
    consent_channel: I64
    consent_withdrawn: Bool
    consent_at: F64


def zones_of(pop: Population, params: WorldParams) -> tuple[list[str], I64]:
    """All time-zone names, and each customer's index into them."""
    zones = [tz for c in params.countries for tz in c.time_zones]
    first = np.cumsum([0] + [len(c.time_zones) for c in params.countries])[:-1]
    return zones, first[pop.country] + pop.time_zone


def content_language(pop: Population, params: WorldParams) -> I64:
    """Index into ``CONTENT_LANGUAGES`` per customer (German speakers get English)."""
    lang = np.array(
        [
            CONTENT_LANGUAGES.index(c.language)
            if c.language in CONTENT_LANGUAGES
            else CONTENT_LANGUAGES.index("en")
            for c in params.countries
        ]
    )
    return lang[pop.country]


def draw_campaigns(params: WorldParams, rng: np.random.Generator) -> Campaigns:
    parts: list[tuple[int, int, F64, I64]] = []
    for lang in range(len(CONTENT_LANGUAGES)):
        for ch, every in (
            (EMAIL, params.campaign_every_days),
            (SMS, params.sms_campaign_every_days),
        ):
            times = -1.0 + np.arange(0.0, params.days + 1.0, every)
            times = times + rng.uniform(0.0, 0.5, times.size)
            pushy_share = 0.45 if ch == EMAIL else 0.6
            parts.append((ch, lang, times, np.where(rng.random(times.size) < pushy_share, 0, 1)))
        times = np.sort(rng.uniform(0.0, params.days, 3))
        parts.append((EMAIL, lang, times, np.full(3, TRANSACTIONAL)))
    channel = np.concatenate([np.full(p[2].size, p[0]) for p in parts])
    language = np.concatenate([np.full(p[2].size, p[1]) for p in parts])
    launch = np.concatenate([p[2] for p in parts])
    style = np.concatenate([p[3] for p in parts])
    n_templates = np.array([len(TEMPLATES["en"][s]) for s in STYLES])
    template = (rng.random(launch.size) * n_templates[style]).astype(np.int64)
    order = np.lexsort((channel, language, launch))
    return Campaigns(
        channel=channel[order],
        language=language[order],
        style=style[order],
        template=template[order],
        launch=launch[order],
    )


def _assign_campaigns(
    camp: Campaigns, lang: I64, channel: I64, transactional: Bool, sent: F64
) -> I64:
    """The most recent campaign of the message's channel, language and kind before it."""
    out = np.zeros(sent.size, dtype=np.int64)
    is_tx = camp.style == TRANSACTIONAL
    for li in range(len(CONTENT_LANGUAGES)):
        for ch in (EMAIL, SMS):
            for tx in (False, True):
                cand = np.flatnonzero((camp.language == li) & (camp.channel == ch) & (is_tx == tx))
                rows = (lang == li) & (channel == ch) & (transactional == tx)
                if not rows.any() or cand.size == 0:
                    continue
                pos = np.searchsorted(camp.launch[cand], sent[rows], side="right") - 1
                out[rows] = cand[np.clip(pos, 0, cand.size - 1)]
    return out


def _kept_after_unsubscribes(
    cust: I64,
    channel: I64,
    sent: F64,
    u_unsub: F64,
    mult: F64,
    base: float,
    window: float,
    span: float,
) -> tuple[Bool, Bool, I64]:
    """Which planned sends go out, which of them unsubscribe, and each send's prior count.

    Sends after the first unsubscribe on a channel are cancelled, which lowers later
    counts; the fixed point is found by iterating (each round settles at least the next
    unsubscribe in time)."""
    n_groups = int(cust.max()) * 2 + 2 if cust.size else 0
    group = cust * 2 + channel
    keep = np.ones(cust.size, dtype=bool)
    prior = np.zeros(cust.size, dtype=np.int64)
    unsub = np.zeros(cust.size, dtype=bool)
    for _ in range(50):
        idx = np.flatnonzero(keep)
        key = cust[idx] * span + sent[idx]
        prior_k = np.arange(idx.size) - np.searchsorted(key, key - window, side="left")
        prob = base * mult[contact_band(prior_k)]
        uns_k = u_unsub[idx] < prob
        first = np.full(n_groups, np.inf)
        np.minimum.at(first, group[idx[uns_k]], sent[idx[uns_k]])
        new_keep = sent <= first[group]
        prior[:] = 0
        prior[idx] = prior_k
        unsub[:] = False
        unsub[idx[uns_k]] = True
        if np.array_equal(new_keep, keep):
            break
        keep = new_keep
    return keep, unsub & keep, prior


def draw_contact(
    pop: Population,
    params: WorldParams,
    effects: Effects,
    rng: np.random.Generator,
    arms: I64 | None = None,
) -> Contact:
    """Campaigns, messages and consents; ``arms``: each customer's arm in the
    contact-frequency test (None: no test, no thinning)."""
    n = pop.size
    end = params.end_day
    camp = draw_campaigns(params, rng)
    email_ok = rng.random(n) < params.email_consent_share
    sms_ok = rng.random(n) < params.sms_consent_share
    rate = np.asarray(params.contact_per_month)[pop.contact_segment] / DAYS_PER_MONTH
    span = end - pop.birth
    count = rng.poisson(rate * span) * (email_ok | sms_ok)
    cust = np.repeat(np.arange(n), count)
    m = cust.size
    zones, zone_of = zones_of(pop, params)
    t_raw = pop.birth[cust] + rng.random(m) * span[cust]
    local_day = clock.utc_to_local_day(t_raw, zones, zone_of[cust], params.days)
    lo, hi = params.send_hours_local
    hour = lo + (hi - lo) * rng.random(m)
    sent = clock.local_day_time_to_utc(local_day, hour, zones, zone_of[cust], params.days)
    u = rng.random((9, m))
    ok = (sent > pop.birth[cust]) & (sent < end)
    cust, sent, u = cust[ok], sent[ok], u[:, ok]
    order = np.lexsort((sent, cust))
    cust, sent, u = cust[order], sent[order], u[:, order]
    both = email_ok[cust] & sms_ok[cust]
    channel = np.where(
        both,
        np.where(u[0] < params.email_share_when_both, EMAIL, SMS),
        np.where(email_ok[cust], EMAIL, SMS),
    )
    if arms is not None:
        tx_planned = (channel == EMAIL) & (u[0] > 1.0 - params.transactional_share)
        start, stop = params.contact_test_days
        thin = experiments.thin_to_caps(
            cust,
            sent,
            experiments.counted_sends(channel, tx_planned, CHANNELS, params.contact_test_channel),
            experiments.caps(arms, params, effects),
            start,
            stop,
        )
        cust, sent, channel, u = cust[thin], sent[thin], channel[thin], u[:, thin]

    k = params.pressure_k if effects.on("contact_pressure") else 1.0
    mult = np.array([1.0, np.sqrt(k), k])
    keep, unsub, prior = _kept_after_unsubscribes(
        cust,
        channel,
        sent,
        u[1],
        mult,
        params.unsubscribe_prob,
        float(params.pressure_window_days),
        end + 2.0 * params.pressure_window_days,
    )
    complain = u[2] < params.complaint_prob * mult[contact_band(prior)]
    cust, sent, channel, unsub, complain, u = (
        cust[keep],
        sent[keep],
        channel[keep],
        unsub[keep],
        complain[keep],
        u[:, keep],
    )

    def after(mean_hours: float, draw: F64, since: F64) -> F64:
        """A time ``since`` + Exp(mean) hours, kept before the as-of date."""
        dt = -np.log1p(-draw) * mean_hours / 24.0
        return since + np.minimum(dt, (end - since) * 0.5)

    is_email = channel == EMAIL
    opened_f = is_email & ((u[3] < params.open_rate) | unsub | complain)
    opened = np.where(opened_f, after(4.0, u[4], sent), np.nan)
    click_p = np.where(is_email, params.click_rate_of_opened, 0.03)
    clicked_f = (opened_f | ~is_email) & (u[5] < click_p)
    clicked = np.where(clicked_f, after(0.2, u[6], np.where(is_email, opened, sent)), np.nan)
    react_from = np.where(is_email, opened, sent)
    unsubscribed = np.where(unsub, after(0.5, u[7], react_from), np.nan)
    complained = np.where(complain, after(0.5, u[8], react_from), np.nan)

    lang = content_language(pop, params)[cust]
    tx = is_email & (u[0] > 1.0 - params.transactional_share)
    campaign = _assign_campaigns(camp, lang, channel, tx, sent)

    g_cust = np.concatenate([np.flatnonzero(email_ok), np.flatnonzero(sms_ok)])
    g_channel = np.concatenate(
        [np.full(int(email_ok.sum()), EMAIL), np.full(int(sms_ok.sum()), SMS)]
    )
    c_cust = np.concatenate([g_cust, cust[unsub]])
    c_channel = np.concatenate([g_channel, channel[unsub]])
    c_withdrawn = np.concatenate(
        [np.zeros(g_cust.size, dtype=bool), np.ones(int(unsub.sum()), dtype=bool)]
    )
    c_at = np.concatenate([pop.birth[g_cust], unsubscribed[unsub]])
    c_order = np.lexsort((c_channel, c_at, c_cust))
    return Contact(
        campaigns=camp,
        cust=cust,
        campaign=campaign,
        channel=channel,
        sent=sent,
        opened=opened,
        clicked=clicked,
        unsubscribed=unsubscribed,
        complained=complained,
        consent_cust=c_cust[c_order],
        consent_channel=c_channel[c_order],
        consent_withdrawn=c_withdrawn[c_order],
        consent_at=c_at[c_order],
    )
