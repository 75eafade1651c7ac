"""The customer sets the cadence: signed, expiring preference links, the choices they
make, and how many customers chose a lower cadence.

::

    link = make_link(ws, "C1", now=now, days=30, base_url="https://shop.example")
    verify(ws, link.token, now)            # Verified("C1", ...) or Refused("tampered"|"expired")
    current(ws, "C1")                      # Current(choice, at, source, consents)
    save(ws, "C1", Choice(max_per_week=1), now, "preference_link", link.link_id)
    summary(ws, policy)                    # customers per kind of lower cadence, and value

The links are in ``links.py``, a choice and its checks in ``choice.py``, the store's rows
in ``store.py``, a whole audience's links in ``audience.py`` and the summary in
``cadence.py``; ``docs/preferences.md`` says what each does and how the contact governor
honours a choice.
"""

from legame.engage.preferences.audience import LinksWritten, write_links
from legame.engage.preferences.cadence import KINDS, summary
from legame.engage.preferences.choice import Choice, Problem, problems
from legame.engage.preferences.links import Link, Refused, Verified, make_link, rotate, verify
from legame.engage.preferences.store import Current, Saved, current, save

__all__ = [
    "KINDS",
    "Choice",
    "Current",
    "Link",
    "LinksWritten",
    "Problem",
    "Refused",
    "Saved",
    "Verified",
    "current",
    "make_link",
    "problems",
    "rotate",
    "save",
    "summary",
    "verify",
    "write_links",
]
