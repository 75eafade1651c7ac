"""Reasons in the reader's language: the message check's, the contact governor's, and what
opened a case.

Each reason :func:`~legame.engage.message.check_message` gives is an English sentence that
also carries a ``code`` and the ``values`` it was made from
(:class:`~legame.engage.message.flags.Reason`). The page says it with the catalogue's
``reason.<code>`` and, for a flag, ``advice.<code>``; the draft's own words are quoted in
it, marked with the draft's language. A reason without a code (made by an older legame)
is shown as it is, marked English.

A reason of the contact governor (:class:`~legame.engage.governor.Reason`) is said the same
way from its ``code`` and ``facts`` (``governor.<code>``: instants and times of day in the
page's locale, days and sends by the plural rule); and a case's opening from its stored
facts (:func:`say_case_detail`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import format_time
from markupsafe import Markup, escape

from legame.engage.governor import Reason as ContactReason
from legame.policy import ALL_CHANNELS
from legame.web.i18n import Catalogue
from legame.web.texts import text_language

#: How many of the draft's phrases a reason quotes, and how long each may be (as the
#: library's English reasons do).
QUOTED = 5
WIDTH = 60
#: The shouting signals that say how many there were.
_COUNTED_SIGNALS = ("caps", "exclamations", "emoji")


def say_reason(c: Catalogue, reason: str | ContactReason, draft_language: str) -> Markup:
    """The reason as HTML in ``c``'s language, the draft's words marked ``draft_language``
    (a contact governor's reason has no draft: :func:`say_contact_reason`)."""
    if isinstance(reason, ContactReason):
        return say_contact_reason(c, reason)
    code: str = getattr(reason, "code", "")
    values: Mapping[str, Any] = getattr(reason, "values", {})
    if not code or not c.has(f"reason.{code}"):
        return Markup('<span lang="en">{}</span>').format(reason)
    said = _sentence(c, code, values, draft_language)
    if c.has(f"advice.{code}"):
        said = Markup("{} {}").format(said, c.t(f"advice.{code}"))
    return said


def _sentence(c: Catalogue, code: str, values: Mapping[str, Any], lang: str) -> Markup:
    key = f"reason.{code}"
    evidence = list(values.get("evidence") or [])
    if code == "shouting":
        signals = Markup("; ").join(_signal(c, s, lang) for s in values.get("signals", []))
        return c.html(key, signals=signals)
    if code == "no_useful_content" and not evidence:
        key = "reason.no_useful_content_none"
    if code == "unsupported_language":
        return c.html(key, language=c.language_name(str(values.get("language", ""))))
    if code == "too_many_warnings":
        codes = ", ".join(c.label("flag", v) for v in values.get("codes", []))
        return c.html(key, n=int(values["n"]), codes=codes, max=values["max"])
    if code == "aligned":
        said = [_aligned(c, v, lang) for v in values.get("values", [])]
        return c.html(key, values=Markup("; ").join(said))
    if code == "not_aligned":
        listed = Markup(", ").join(_value(v) for v in values.get("values", []))
        return c.html(
            key,
            best=_value(str(values["best"])),
            score=values["score"],
            needs=values["needs"],
            values=listed,
        )
    fill = {k: v for k, v in values.items() if k in ("score", "needs")}
    if evidence:
        fill["evidence"] = quoted(c, evidence, lang)
    return c.html(key, **fill)


def _signal(c: Catalogue, signal: Mapping[str, Any], lang: str) -> Markup:
    kind = str(signal["kind"])
    evidence = quoted(c, list(signal.get("evidence") or []), lang, limit=3)
    if kind in _COUNTED_SIGNALS:
        return c.html(f"reason.shouting_{kind}", n=int(signal["n"]), evidence=evidence)
    return c.html(f"reason.shouting_{kind}", evidence=evidence)


def _aligned(c: Catalogue, value: Mapping[str, Any], lang: str) -> Markup:
    evidence = list(value.get("evidence") or [])
    name = _value(str(value["value"]))
    if not evidence:
        return name
    return c.html("reason.aligned_value", value=name, evidence=quoted(c, evidence, lang, limit=4))


def _value(value: str) -> Markup:
    """A brand value, quoted and marked with its own language."""
    return Markup('<q lang="{}">{}</q>').format(text_language(value), value)


def quoted(c: Catalogue, evidence: Sequence[str], lang: str, *, limit: int = QUOTED) -> Markup:
    """The draft's phrases, each quoted and marked ``lang``; past ``limit``, how many more."""
    shown = Markup(", ").join(
        Markup('<q lang="{}">{}</q>').format(lang, _cut(" ".join(str(e).split())))
        for e in evidence[:limit]
    )
    more = len(evidence) - limit
    return c.html("reason.more", n=more, evidence=shown) if more > 0 else shown


def _cut(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


# --- the contact governor's reasons -----------------------------------------------------------

#: The catalogue keys of the codes said from a sub-table of ``[governor]``; every other code
#: is ``governor.<code>``.
_CONTACT_KEYS = {
    "test_cap": "governor.experiment.test_cap",
    "preference_stop": "governor.preference.stop",
    "preference_channel": "governor.preference.channel",
    "preference_pause": "governor.preference.pause",
    "preference_cap": "governor.preference.cap",
    "preference_quiet": "governor.preference.quiet",
}


def contact_reason_key(code: str) -> str:
    """The catalogue key a contact governor's reason code is said with."""
    return _CONTACT_KEYS.get(code, f"governor.{code}")


def say_contact_reason(c: Catalogue, reason: ContactReason) -> Markup:
    """A contact governor's reason as HTML in ``c``'s language, from its code and facts; one
    without them (a plan's, or a code this catalogue does not know) as its English words,
    marked so."""
    key = contact_reason_key(reason.code)
    if not reason.code or not c.has(key):
        return Markup('<span lang="en">{}</span>').format(reason.message)
    f = reason.facts
    code = reason.code
    if code in ("consent_withdrawn", "consent_missing", "preference_channel"):
        return c.html(key, channel=_channel(c, f["channel"]), when=_when(c, f.get("at")))
    if code == "preference_stop":
        return c.html(key, when=_when(c, f["at"]))
    if code == "preference_pause":
        return c.html(key, until=_when(c, f["until"]))
    if code in ("complaint", "unsubscribe", "ticket_resolved"):
        channel = _channel(c, f.get("channel"))
        return c.html(key, n=int(f["days"]), when=_when(c, f["at"]), channel=channel)
    if code == "ticket_open":
        return c.html(key, when=_when(c, f["since"]))
    if code in ("cap", "preference_cap", "test_cap"):
        tested = {"test": str(f["test"]), "arm": str(f["arm"])} if code == "test_cap" else {}
        return c.html(
            key,
            n=int(f["sends"]),
            channel=_channel(c, f["channel"]),
            days=c.plural("governor.days", int(f["days"])),
            limit=int(f["limit"]),
            **tested,
        )
    if code == "cap_zero":
        setting = f"per_{int(f['days'])}_days"
        return c.html(key, channel=_channel(c, f["channel"]), setting=setting)
    # quiet_hours, preference_quiet
    start, end, local = (_clock(c, str(f[name])) for name in ("start", "end", "local"))
    return c.html(key, zone=str(f["zone"]), start=start, end=end, local=local)


def _channel(c: Catalogue, channel: object) -> str:
    if channel is None:
        return ""
    return c.t("governor.all_channels") if channel == ALL_CHANNELS else c.label("channel", channel)


def _when(c: Catalogue, instant: dt.datetime | str | None) -> str:
    return "" if instant is None else c.datetime(instant)


def _clock(c: Catalogue, hh_mm: str) -> str:
    """A time of day (``21:00``) as the locale writes it (``9:00 PM`` in English)."""
    return str(format_time(dt.time.fromisoformat(hh_mm), "short", locale=c.lang))


# --- what opened a case -----------------------------------------------------------------------


def say_case_detail(c: Catalogue, case: Mapping[str, Any]) -> Markup:
    """What opened a case, as HTML in ``c``'s language: a detractor's NPS answer, or which
    parts of the poor-ticket rule its ticket broke (the facts stored with the case). A
    poor-service case without them (its detail could not be read back) shows its English
    detail, marked so."""
    if case.get("kind") == "detractor":
        return Markup(escape(c.t("cases.nps", nps=case["nps"])))
    broke = []
    if case.get("slow_response_hours") is not None:
        broke.append(c.html("cases.poor.slow_response", n=int(case["slow_response_hours"])))
    if case.get("slow_resolution_days") is not None:
        broke.append(c.html("cases.poor.slow_resolution", n=int(case["slow_resolution_days"])))
    if case.get("low_csat") is not None:
        broke.append(c.html("cases.poor.low_csat", csat=int(case["low_csat"])))
    if not broke:
        return Markup('<span lang="en">{}</span>').format(case.get("detail") or "")
    source = str(case.get("source_key") or "")
    ticket = source.removeprefix("ticket:")
    problems = Markup("; ").join(broke)
    category = case.get("ticket_category")
    if not category:
        return c.html("cases.poor.ticket", ticket=ticket, problems=problems)
    label = c.label("ticket_category", category)
    return c.html("cases.poor.ticket_category", ticket=ticket, category=label, problems=problems)


# --- a case's history -------------------------------------------------------------------------

#: The note the library writes when it logs a call-back (engage/cases/workflow.py).
_CONTACTED = re.compile(r"^call-back on (?P<channel>\S+), logged as message (?P<message>.+)$")


def say_case_note(c: Catalogue, action: str, note: str | None) -> Markup:
    """A note of a case's history as HTML: the library's call-back note in ``c``'s
    language; anybody's note as written (its language unknown)."""
    from legame.web.texts import marked

    if not note:
        return Markup("")
    found = _CONTACTED.match(note) if action == "contacted" else None
    if found is None:
        return marked(note, None)
    said = c.t(
        "cases.contacted_note",
        channel=c.label("channel", found["channel"]),
        message=found["message"],
    )
    return Markup(escape(said))
