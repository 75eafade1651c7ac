"""The words of every reason, written once for both ``check`` (Python) and ``plan`` (SQL).

Each template uses bare ``{}`` placeholders, which Python's ``str.format`` and DuckDB's
``format()`` fill the same way; instants are formatted with :data:`WHEN` by both.
"""

from __future__ import annotations

#: How instants appear in messages (strftime codes shared by Python and DuckDB).
WHEN = "%Y-%m-%d %H:%M UTC"

CONSENT_WITHDRAWN = "{} consent was withdrawn on {}"
CONSENT_MISSING = "no {} consent is recorded, and the policy requires one for marketing"
COMPLAINT = "the customer complained on {} ({}-day pause on every channel)"
UNSUBSCRIBE = "the customer unsubscribed from {} on {} ({}-day pause)"
TICKET_OPEN = "a support ticket has been open since {}"
TICKET_RESOLVED = "a support ticket was resolved on {} ({}-day pause)"
CAP = "{} sends on {} in the last {} days (limit {})"
CAP_ZERO = "the policy allows no sends on {} (per_{}_days = 0)"
QUIET = "quiet hours {}–{} in {} (local time {})"
TEST_CAP = "{} sends on {} in the last {} days (limit {} in arm {} of test {})"
PREFERENCE_STOP = "the customer asked on {} to get no marketing messages"
PREFERENCE_CHANNEL = "the customer does not want marketing on {} (chosen on {})"
PREFERENCE_PAUSE = "the customer paused marketing messages until {}"
PREFERENCE_CAP = "{} sends on all channels in the last {} days (the customer's own limit {})"
PREFERENCE_QUIET = "the customer's own quiet hours {}–{} in {} (local time {})"


def channel_label(channel: str | None) -> str:
    """How a cap's scope is named: the channel, or "all channels"."""
    return "all channels" if channel is None or channel == "all" else channel
