"""Every number of the simulated world, and which planted effects are switched on.

All of it is written to ``truth.json["params"]``; nothing else in ``legame.simulate``
holds a tunable number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from legame.errors import InputError
from legame.metrics import definitions as d

#: The planted effects, in the order ``truth.json`` lists them.
EFFECTS: tuple[str, ...] = (
    "service_dropout",
    "emotion_value",
    "satisfaction_not_loyalty",
    "high_spend_not_loyalty",
    "contact_pressure",
    "promoters_referrals",
    "gratitude_uplift",
    "acquisition_channel",
    "contact_frequency_test",
)

#: Switch these off (and leave high_spend_not_loyalty on) and the completed orders are
#: exactly BG/NBD + Gamma-Gamma with the parameters of ``WorldParams``. The others do not
#: touch orders; high_spend_not_loyalty switched off correlates spend with dropout.
PURE_PROCESS_EFFECTS_OFF: tuple[str, ...] = (
    "service_dropout",
    "emotion_value",
    "gratitude_uplift",
    "acquisition_channel",
    "contact_frequency_test",
)

START = datetime(2024, 1, 1, tzinfo=UTC)
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Country:
    code: str
    share: float
    language: str
    time_zones: tuple[str, ...]
    phone_prefix: str


@dataclass(frozen=True)
class WorldParams:
    """The simulated business. Time is in days since ``start`` unless a name says weeks."""

    start: str = "2024-01-01 00:00:00"
    #: 2024-01-01 to the as-of date 2026-01-01 00:00 UTC: 731 days (2024 is a leap year).
    days: int = 731
    birth_days: int = 540
    countries: tuple[Country, ...] = (
        Country("IT", 0.45, "it", ("Europe/Rome",), "+39"),
        Country("ES", 0.35, "es", ("Europe/Madrid",), "+34"),
        Country("GB", 0.08, "en", ("Europe/London",), "+44"),
        Country(
            "US", 0.07, "en", ("America/New_York", "America/Chicago", "America/Los_Angeles"), "+1"
        ),
        Country("DE", 0.05, "de", ("Europe/Berlin",), "+49"),
    )
    # BG/NBD (time unit: weeks) and Gamma-Gamma.
    bgnbd_r: float = 0.6
    bgnbd_alpha: float = 6.0
    bgnbd_a: float = 0.8
    bgnbd_b: float = 4.0
    gg_p: float = 6.0
    gg_q: float = 4.0
    gg_gamma: float = 20.0
    currency: str = "EUR"
    order_channels: tuple[str, ...] = ("web", "store", "app")
    order_channel_weights: tuple[float, ...] = (0.5, 0.35, 0.15)
    order_channel_loyalty: float = 0.75  # share of orders in the customer's usual channel
    extra_order_share: float = 0.04  # refunded/cancelled orders on top, outside the process
    extra_order_refunded_share: float = 0.6
    # Latent traits.
    connected_share: float = 0.3
    loyalty_connected_weight: float = 0.8
    loyalty_noise_sd: float = 0.6
    # Tickets.
    ticket_prob: float = 0.15
    ticket_max_delay_days: float = 4.0
    poor_ticket_prob: float = 0.35
    ticket_channels: tuple[str, ...] = ("email", "phone", "chat", "store", "social")
    ticket_channel_weights: tuple[float, ...] = (0.4, 0.25, 0.2, 0.1, 0.05)
    ticket_categories: tuple[str, ...] = (
        "delivery",
        "billing",
        "product",
        "returns",
        "account",
        "other",
    )
    ticket_category_weights: tuple[float, ...] = (0.3, 0.15, 0.2, 0.2, 0.1, 0.05)
    ticket_csat_missing: float = 0.2
    # Surveys.
    survey_share: float = 0.45
    second_survey_share: float = 0.25
    survey_delay_days: tuple[float, float] = (1.0, 60.0)
    nps_skip_share: float = 0.05
    response_noise_sd: float = 0.5
    #: P(score = 0..10): 30% detractors, 30% passives, 40% promoters if latent were normal.
    nps_probs: tuple[float, ...] = (
        0.02,
        0.02,
        0.02,
        0.03,
        0.03,
        0.08,
        0.10,
        0.14,
        0.16,
        0.18,
        0.22,
    )
    csat_probs: tuple[float, ...] = (0.05, 0.08, 0.22, 0.35, 0.30)
    ces_probs: tuple[float, ...] = (0.2, 0.25, 0.2, 0.15, 0.1, 0.06, 0.04)
    #: P(item = 1..5) for connected / unconnected customers.
    motivator_probs_connected: tuple[float, ...] = (0.0, 0.02, 0.10, 0.43, 0.45)
    motivator_probs_unconnected: tuple[float, ...] = (0.05, 0.25, 0.42, 0.23, 0.05)
    motivator_person_sd: float = 0.3
    comment_share: float = 0.35
    # Contact.
    contact_segments: tuple[str, ...] = ("light", "normal", "heavy")
    contact_per_month: tuple[float, ...] = (1.0, 3.0, 10.0)
    contact_segment_weights: tuple[float, ...] = (0.4, 0.4, 0.2)
    send_hours_local: tuple[float, float] = (8.0, 21.0)
    email_consent_share: float = 0.85
    sms_consent_share: float = 0.40
    email_share_when_both: float = 0.8
    transactional_share: float = 0.03
    open_rate: float = 0.30
    click_rate_of_opened: float = 0.10
    unsubscribe_prob: float = 0.003
    complaint_prob: float = 0.001
    pressure_k: float = 4.0
    pressure_window_days: int = d.CONTACT_PRESSURE_WINDOW_DAYS
    pressure_bands: tuple[tuple[str, int, int | None], ...] = d.CONTACT_BANDS
    campaign_every_days: float = 3.5
    sms_campaign_every_days: float = 14.0
    # Fees.
    fee_prob: float = 0.06
    fee_delay_days: tuple[float, float] = (15.0, 30.0)
    fee_amounts: tuple[float, ...] = (5.0, 10.0)
    # Gratitude program.
    holdout_share: float = d.GRATITUDE_HOLDOUT_SHARE
    fee_forgiveness_min_purchases: int = d.FEE_FORGIVENESS_MIN_PURCHASES
    milestone_purchase: int = d.MILESTONE_PURCHASE
    thank_you_cost: float = 2.0
    waive_delay_days: tuple[float, float] = (1.0, 3.0)
    #: The dropout-hazard multiplier of a treated gesture; for the triggers in
    #: gratitude_nps_triggers, the multiplier by the customer's disposition (the NPS
    #: category of their main survey answer: detractors, passives, promoters), and
    #: gratitude_h for customers who answer no survey (``experiments.py``).
    gratitude_h: float = 0.5
    gratitude_nps_triggers: tuple[str, ...] = ("fee_forgiveness",)
    gratitude_h_by_nps: tuple[float, float, float] = (0.25, 0.4, 0.7)
    # Referrals (per customer-year after the first survey answer).
    referral_rate_detractor: float = 0.04
    referral_rate_passive: float = 0.08
    referral_k: float = 4.0
    referral_match_days: float = 30.0
    # Acquisition channel: a static attribute of each customer (customers.csv's extra column
    # acquisition_channel), with effects on the purchase rate, the dropout and the spend
    # while acquisition_channel is on. Per channel, multipliers of alpha's reciprocal (the
    # mean purchase rate), of the dropout beta's a and b (Fader & Hardie 2007, note 019) and
    # of the Gamma-Gamma gamma (the mean spend per purchase); the first channel is the most
    # common, the baseline of the planted coefficients (truth.json).
    acquisition_channels: tuple[str, ...] = ("web", "marketplace", "partner")
    acquisition_channel_weights: tuple[float, ...] = (0.6, 0.25, 0.15)
    acquisition_purchase_ratio: tuple[float, ...] = (1.0, 0.7, 1.0)
    acquisition_dropout_a_ratio: tuple[float, ...] = (1.0, 1.5, 1.0)
    acquisition_dropout_b_ratio: tuple[float, ...] = (1.0, 1.0, 1.0)
    acquisition_spend_ratio: tuple[float, ...] = (1.0, 1.2, 1.0)
    # The randomized contact-frequency test (``experiments.py``): the policy's
    # [experiments.contact_tests.<name>] table. Arms: (name, share, marketing sends allowed
    # per rolling 7 days on every channel). While contact_frequency_test is on, each arm
    # has its cap and its customers quit at the arm's contact_test_quit_per_year (an extra
    # dropout hazard per day of the test); while it is off, every customer gets the lowest
    # cap and no extra dropout, so the arms are treated alike.
    contact_test_name: str = "weekly_cap"
    contact_test_seed: int = 20250501
    contact_test_start: str = "2025-05-01"
    contact_test_end: str = "2025-11-01"
    contact_test_channel: str = "all"
    contact_test_arms: tuple[tuple[str, float, int], ...] = (("low", 0.5, 2), ("high", 0.5, 4))
    contact_test_quit_per_year: tuple[float, ...] = (0.0, 1.0)
    # Effects.
    service_k: float = 2.5
    emotion_lambda_multiplier: float = 4.0
    spend_loyalty_rho: float = 0.5  # used only when high_spend_not_loyalty is off
    outcome_window_days: int = d.OUTCOME_WINDOW_DAYS
    gratitude_followup_days: int = d.GRATITUDE_FOLLOWUP_DAYS

    @property
    def end_day(self) -> float:
        return float(self.days)

    @property
    def window_start_day(self) -> float:
        return float(self.days - self.outcome_window_days)

    @property
    def contact_test_days(self) -> tuple[float, float]:
        """The contact-frequency test's [start, end) in days since ``start``."""
        origin = datetime.fromisoformat(self.start).date()
        start = date.fromisoformat(self.contact_test_start) - origin
        end = date.fromisoformat(self.contact_test_end) - origin
        return float(start.days), float(end.days)

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Effects:
    """Which planted effects are on."""

    off: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_off(cls, names: Iterable[str] | str) -> Effects:
        """Effects with ``names`` switched off; an unknown name raises ``InputError``."""
        if isinstance(names, str):
            names = (names,)
        try:
            wanted = tuple(names)
        except TypeError:
            raise InputError(
                f"effects_off must be a list of effect names; got {names!r}. "
                f"Valid names: {', '.join(EFFECTS)}."
            ) from None
        unknown = sorted({str(n) for n in wanted} - set(EFFECTS))
        if unknown:
            raise InputError(
                f"Unknown effect name(s): {', '.join(unknown)}. Valid names: {', '.join(EFFECTS)}."
            )
        return cls(frozenset(wanted))

    def on(self, name: str) -> bool:
        return name not in self.off
