"""The covariates `legame clv fit --covariates` knows, and how a name is read.

Static covariates (one value per customer; they act on the purchase rate, the dropout and
the spend):

* the customers' own columns ``country``, ``language`` and ``time_zone``;
* any attribute a source file gave beside the canonical columns, kept in the customers'
  ``_extra`` (for example ``acquisition_channel``): numeric when every value reads as a
  number, categorical otherwise;
* ``first_order_value`` and ``first_order_channel``: the value and the channel of the
  customer's first completed order.

Time-varying covariates (known at each repeat purchase; they act on the dropout hazard):

* ``poor_service``: a poor support experience so far (``sql/defs/poor_ticket.sql``);
* ``contact_pressure``: the band of the messages received in the 30 days up to the
  purchase (``sql/defs/contact_band.sql``): mid and high against low;
* ``gesture``: gestures of gratitude received so far (a count: the effect is per gesture);
* ``nps_group``: the group of the latest NPS answer (detractor, passive, promoter, none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from legame.errors import InputError

Source = Literal["column", "extra", "first_order", "event"]

#: Canonical customer columns that may be covariates (not the personal ones).
CUSTOMER_COLUMNS: Mapping[str, str] = {
    "country": "the customer's country (customers.country)",
    "language": "the customer's language (customers.language)",
    "time_zone": "the customer's time zone (customers.time_zone)",
}
#: Covariates derived from the orders.
FIRST_ORDER: Mapping[str, str] = {
    "first_order_value": "the value of the customer's first completed order (numeric)",
    "first_order_channel": "the channel of the customer's first completed order",
}
#: Time-varying covariates, derived from the events: the query of each in sql/covariates/.
VARYING: Mapping[str, str] = {
    "poor_service": "a poor support experience so far (sql/defs/poor_ticket.sql), 1 or 0",
    "contact_pressure": "messages received in the 30 days up to the purchase, as a band "
    "(low, mid, high; sql/defs/contact_band.sql)",
    "gesture": "gestures of gratitude received so far (a count)",
    "nps_group": "the group of the latest NPS answer so far (detractor, passive, promoter, none)",
}


@dataclass(frozen=True)
class Name:
    """One requested covariate: its name and where its values come from."""

    name: str
    source: Source

    @property
    def varying(self) -> bool:
        return self.source == "event"


def catalogue(extra_keys: Iterable[str]) -> dict[str, str]:
    """Every covariate name a workspace offers, with what it is."""
    out = dict(CUSTOMER_COLUMNS)
    for key in sorted(extra_keys):
        out.setdefault(key, f"the customers' attribute {key!r} (kept from a source file)")
    out.update(FIRST_ORDER)
    out.update(VARYING)
    return out


def resolve(requested: Iterable[str], extra_keys: Iterable[str]) -> list[Name]:
    """The requested names, checked: each known once; an unknown name is an InputError that
    lists what exists."""
    names = [n.strip() for n in requested if n.strip()]
    if not names:
        raise InputError(
            "--covariates needs at least one name, e.g. --covariates country,poor_service."
        )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"--covariates names {', '.join(twice)} more than once.")
    extra = set(extra_keys)
    out: list[Name] = []
    unknown: list[str] = []
    for name in names:
        if name in CUSTOMER_COLUMNS:
            out.append(Name(name, "column"))
        elif name in FIRST_ORDER:
            out.append(Name(name, "first_order"))
        elif name in VARYING:
            out.append(Name(name, "event"))
        elif name in extra:
            out.append(Name(name, "extra"))
        else:
            unknown.append(name)
    if unknown:
        known = catalogue(extra)
        listing = "; ".join(f"{k}: {v}" for k, v in known.items())
        raise InputError(
            f"Unknown covariate(s): {', '.join(unknown)}. This workspace offers {listing}."
        )
    return out
