"""The customer's preference page: ``/preferences/{token}``, opened from a signed link,
with no sign-in.

``GET`` shows the form with the customer's current choices; ``POST`` checks and saves a
new one (:func:`legame.engage.preferences.save`, source ``preference_link``) and shows what
was saved. Both speak the customer's language (``customers.language`` when it is one of
the catalogues'; else the browser's ``Accept-Language``; ``?lang=`` overrides both). A link
that is not one the workspace signed with its current key gets a 403 page, an expired one
a 410 page: each says so, and that nothing was changed (nothing is).

The token is the only credential: it names its one customer, and the form can change
nobody else's choices. It is a capability the customer alone received, so it also stands
for the CSRF token a signed-in form carries (a page elsewhere that could post here would
have to know it). The page sets no cookie, is never cached, sends no referrer (the token
is in its address) and asks search engines not to index it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from legame.engage.governor.clock import local_time, utc_now, zone_for
from legame.engage.preferences import (
    Choice,
    Problem,
    Refused,
    Verified,
    problems,
    save,
    verify,
)
from legame.engage.preferences.choice import MAX_PAUSE, parse_cap, pause_end
from legame.engage.preferences.store import Current, current, customer, policy_of
from legame.errors import InputError, NotFoundError
from legame.policy import Policy
from legame.store import Workspace
from legame.web.i18n import LANGUAGES, Catalogue, Language, catalogue, negotiate
from legame.web.render import render_template
from legame.web.respond import HEADERS, currency

router = APIRouter(include_in_schema=False)
PATH = "/preferences/"
#: What the page adds to the dashboard's headers: the token must not leave in a Referer.
PAGE_HEADERS = {**HEADERS, "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
#: The longest value a field takes (a channel name, a number, a time, a day).
MAX_FIELD = 40
MAX_CHANNELS = 50


def clock(request: Request) -> datetime:
    """Now, as naive UTC: the app's ``state.clock`` when it has one (tests), else the
    wall clock."""
    now: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return now() if now is not None else utc_now()


def spoken(language: str | None) -> Language | None:
    """The catalogue language of a customer's ``language`` (``it``, ``it-IT``, ``es_ES``)."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None  # type: ignore[return-value]


def page_language(request: Request, customer_language: str | None = None) -> Catalogue:
    """``?lang=``, else the customer's language, else the browser's, else English."""
    chosen = request.query_params.get("lang")
    lang = (
        chosen
        if chosen in LANGUAGES
        else spoken(customer_language)
        or negotiate(None, None, request.headers.get("accept-language"))
    )
    return catalogue(lang).with_currency(currency(request))


def _respond(
    request: Request, c: Catalogue, token: str | None, status: int = 200, **context: Any
) -> HTMLResponse:
    chosen = request.query_params.get("lang")
    keep = f"?lang={chosen}" if chosen in LANGUAGES else ""
    here = f"{PATH}{token}" if token else None
    html = render_template(
        "preferences.html",
        c,
        action=f"{here}{keep}" if here else None,
        switch=[
            {"code": code, "url": f"{here}?lang={code}", "current": code == c.lang}
            for code in LANGUAGES
        ]
        if here
        else [],
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _refused(request: Request, refusal: Refused, language: str | None) -> HTMLResponse:
    c = page_language(request, language)
    status = 410 if refusal.reason == "expired" else 403
    return _respond(request, c, None, status, state="refused", reason=refusal.reason)


def _open(
    request: Request, ws: Workspace, token: str, now: datetime
) -> tuple[Verified, str | None, str | None] | HTMLResponse:
    """The genuine link with its customer's language and time zone, or the page that
    refuses it."""
    found = verify(ws, token, now)
    if isinstance(found, Refused):
        language = None
        if found.customer_id is not None:
            try:
                language = customer(ws, found.customer_id)[0]
            except NotFoundError:
                language = None
        return _refused(request, found, language)
    try:
        language, zone = customer(ws, found.customer_id)
    except NotFoundError:  # erased since the link was made: it opens nothing
        return _refused(request, Refused("tampered", "unknown_key", found.link_id), None)
    return found, language, zone


@router.get(PATH + "{token}")
def preferences_form(request: Request, token: str) -> Response:
    with request.app.state.store.session() as ws:
        now = clock(request)
        opened = _open(request, ws, token, now)
        if isinstance(opened, HTMLResponse):
            return opened
        link, language, zone = opened
        policy = policy_of(ws)
        mine = current(ws, link.customer_id, at=now)
    c = page_language(request, language)
    return _respond(request, c, token, state="form", **_form(mine, policy, now, zone), errors={})


@router.post(PATH + "{token}")
def preferences_save(
    request: Request,
    token: str,
    channel: Annotated[list[Annotated[str, Form(max_length=MAX_FIELD)]] | None, Form()] = None,
    max_per_week: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    max_per_month: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    quiet_start: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    quiet_end: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    paused_until: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    stop: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    sent = {
        "ticked": list(channel or [])[:MAX_CHANNELS],
        "max_per_week": max_per_week.strip(),
        "max_per_month": max_per_month.strip(),
        "quiet_start": quiet_start.strip(),
        "quiet_end": quiet_end.strip(),
        "paused_until": paused_until.strip(),
        "stopped": bool(stop),
    }
    with request.app.state.store.session() as ws:
        now = clock(request)
        opened = _open(request, ws, token, now)
        if isinstance(opened, HTMLResponse):
            return opened
        link, language, zone = opened
        customer_id = link.customer_id
        policy = policy_of(ws)
        c = page_language(request, language)
        choice, found = _parse(sent, policy, zone)
        found += problems(choice, policy, now)
        if found:
            form = {**_form(current(ws, customer_id, at=now), policy, now, zone), **sent}
            errors = {p.field: f"prefs.error.{p.code}" for p in found}
            return _respond(request, c, token, 422, state="form", **form, errors=errors)
        saved = save(ws, customer_id, choice, now, "preference_link", link.link_id, policy=policy)
    return _respond(
        request,
        c,
        token,
        state="saved",
        channels=list(policy.contact.channels),
        saved=saved.choice,
        paused_day=_pause_day(saved.choice.paused_until, zone, policy),
    )


def _form(mine: Current, policy: Policy, now: datetime, zone: str | None) -> dict[str, Any]:
    """The form's fields as the current choice fills them."""
    choice = mine.choice
    today = local_time(now, _zone(zone, policy)).date()
    paused = choice.paused_until if choice.paused_until and choice.paused_until > now else None
    return {
        "channels": list(policy.contact.channels),
        "ticked": mine.shown_channels(policy),
        "max_per_week": "" if choice.max_per_week is None else str(choice.max_per_week),
        "max_per_month": "" if choice.max_per_month is None else str(choice.max_per_month),
        "quiet_start": choice.quiet_start or "",
        "quiet_end": choice.quiet_end or "",
        "paused_until": _pause_day(paused, zone, policy) or "",
        "stopped": choice.stopped,
        "last_saved": mine.at,
        "first_day": (today + timedelta(days=1)).isoformat(),
        "last_day": (today + MAX_PAUSE).isoformat(),
    }


def _parse(sent: dict[str, Any], policy: Policy, zone: str | None) -> tuple[Choice, list[Problem]]:
    """A choice from the form's fields, and what could not be read (said as ``Problem``s
    whose codes the page says in its language)."""
    found: list[Problem] = []
    caps: dict[str, int | None] = {}
    for name in ("max_per_week", "max_per_month"):
        try:
            caps[name] = parse_cap(sent[name], name)
        except InputError as exc:
            caps[name] = None
            found.append(Problem(name, "cap_range", str(exc)))
    times = {name: _clock_text(sent[name]) for name in ("quiet_start", "quiet_end")}
    pause = None
    if sent["paused_until"]:
        try:
            pause = pause_end(date.fromisoformat(sent["paused_until"]), zone, policy)
        except ValueError as exc:  # not a day, or too far (InputError is a ValueError)
            code = "pause_far" if isinstance(exc, InputError) else "pause_date"
            found.append(Problem("paused_until", code, str(exc)))
    picked = set(sent["ticked"])
    choice = Choice(
        channels=tuple(c for c in policy.contact.channels if c in picked)
        + tuple(sorted(picked - set(policy.contact.channels))),
        max_per_week=caps["max_per_week"],
        max_per_month=caps["max_per_month"],
        quiet_start=times["quiet_start"],
        quiet_end=times["quiet_end"],
        paused_until=pause,
        stopped=sent["stopped"],
    )
    return choice, found


def _clock_text(text: str) -> str | None:
    """A time field's value: blank is None; a browser's ``HH:MM:SS`` is kept to the minute."""
    if not text:
        return None
    return text[:5] if len(text) == 8 and text[5] == ":" else text


def _zone(zone: str | None, policy: Policy) -> str:
    return zone_for(zone, policy.contact.quiet_hours.default_time_zone)


def _pause_day(paused_until: datetime | None, zone: str | None, policy: Policy) -> str | None:
    """The day a pause ends on, in the customer's zone (``YYYY-MM-DD``)."""
    if paused_until is None:
        return None
    return local_time(paused_until, _zone(zone, policy)).date().isoformat()
