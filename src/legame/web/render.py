"""Jinja2 templates, shared by the dashboard and the report.

Templates get ``t`` (a message), ``plural`` (a message that depends on a count),
``label`` (a data value's label), ``money`` (an amount in the workspace's currency) and
the number and date filters of the page's language; ``reason(r, lang)`` says a message
check reason (or a contact governor's) in it, ``case_detail(case)`` what opened a case,
and ``user_text(text)`` marks free text with the language it is written in. Charts go in
with the ``chart`` macro of ``_macros.html`` as JSON (``to_json`` escapes ``<``, ``>`` and
``&`` so no data can close the script element it sits in).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from legame import __version__
from legame.web.i18n import FAMILIES, LANGUAGES, Catalogue


def to_json(value: Any) -> Markup:
    """JSON safe to place inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@pass_context
def _reason(context: Context, reason: str, draft_language: str) -> Markup:
    from legame.web.reasons import say_reason

    return say_reason(context["c"], reason, draft_language)


@pass_context
def _case_note(context: Context, action: str, note: str | None) -> Markup:
    from legame.web.reasons import say_case_note

    return say_case_note(context["c"], action, note)


@pass_context
def _case_detail(context: Context, case: Any) -> Markup:
    from legame.web.reasons import say_case_detail

    return say_case_detail(context["c"], case)


def _user_text(text: str | None, language: str | None = None) -> Markup:
    from legame.web.texts import marked

    return marked(text, language)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("legame.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["to_json"] = to_json
    env.globals["version"] = __version__
    env.globals["languages"] = LANGUAGES
    env.globals["families"] = FAMILIES
    env.globals["reason"] = _reason
    env.globals["case_detail"] = _case_detail
    env.globals["case_note"] = _case_note
    env.globals["user_text"] = _user_text
    return env


def render_template(name: str, c: Catalogue, **context: Any) -> str:
    """Render ``templates/<name>`` in the language of ``c`` (amounts in its currency)."""
    return (
        environment()
        .get_template(name)
        .render(
            lang=c.lang,
            c=c,
            t=c.t,
            plural=c.plural,
            phrase=c.phrase,
            label=c.label,
            num=c.num,
            pct=c.pct,
            money=c.money,
            signed=c.signed,
            date=c.date,
            datetime=c.datetime,
            vega_locale=c.vega_locale(),
            **context,
        )
    )
