"""The message check's reasons in the reader's language.

Each reason :func:`~legame.engage.message.check_message` gives is an English sentence that
also carries a ``code`` and the ``values`` it was made from
(:class:`~legame.engage.message.flags.Reason`). The page says it with the catalogue's
``reason.<code>`` and, for a flag, ``advice.<code>``; the draft's own words are quoted in
it, marked with the draft's language. A reason without a code (made by an older legame)
is shown as it is, marked English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from legame.web.i18n import Catalogue
from legame.web.texts import text_language

#: How many of the draft's phrases a reason quotes, and how long each may be (as the
#: library's English reasons do).
QUOTED = 5
WIDTH = 60
#: The shouting signals that say how many there were.
_COUNTED_SIGNALS = ("caps", "exclamations", "emoji")


def say_reason(c: Catalogue, reason: str, draft_language: str) -> Markup:
    """The reason as HTML in ``c``'s language, the draft's words marked ``draft_language``."""
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
