"""The static HTML report: one self-contained file with the overview, segments, findings,
gesture results and the latest forecast check, in English, Italian or Spanish (every
sentence, the findings' too, with numbers, dates and amounts written the reader's way, in the
workspace's currency).

Everything is inline: the styles, the data, the chart specs and the vendored Vega
bundles (``legame/web/static/vendor``), so the file opens offline, from a disk or an
e-mail attachment. Its Content-Security-Policy forbids every network request.

>>> from legame.report import write_report            # doctest: +SKIP
>>> write_report(ws, "report.html", lang="it")         # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from markupsafe import Markup

from legame.store import Workspace
from legame.web.i18n import LANGUAGES, catalogue, workspace_currency

#: The scripts the report inlines, in load order (paths inside ``legame/web/static``).
SCRIPTS = ("vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "legame.js")
STYLES = ("legame.css",)


def render_report(
    ws: Workspace, lang: str = "en", *, now: datetime | None = None, period: str | None = None
) -> str:
    """The report's HTML, for the workspace ``ws``: its overview is for ``period`` (a spec
    of :func:`legame.metrics.period.parse_period`; default the last 90 days of data)."""
    from legame.metrics.period import data_as_of, parse_period
    from legame.views import engagement, overview, validation
    from legame.web.findings import load_findings, present
    from legame.web.render import render_template
    from legame.web.sections import engagement_context, overview_context, validation_context

    if lang not in LANGUAGES:
        from legame.errors import InputError

        raise InputError(f"--lang must be one of {', '.join(LANGUAGES)}; got {lang!r}.")
    c = catalogue(lang).with_currency(workspace_currency(ws.path))
    as_of = data_as_of(ws)
    chosen = parse_period(period, as_of)
    over = overview_context(overview(ws, chosen), c)
    gestures = engagement_context(engagement(ws), c)
    made = now or datetime.now(UTC).replace(tzinfo=None)
    return render_template(
        "report.html",
        c,
        overview=over,
        gestures=gestures,
        findings=present(load_findings(ws), c),
        validation=validation_context(validation(ws), c),
        generated=c.t("report.generated", date=c.datetime(made), workspace=ws.path.name),
        data_as_of=as_of,
        styles=Markup("\n".join(_asset(name) for name in STYLES)),
        scripts=[Markup(_script(_asset(name))) for name in SCRIPTS],
    )


def write_report(
    ws: Workspace, out: str | os.PathLike[str], lang: str = "en", *, period: str | None = None
) -> Path:
    """Write the report to ``out`` (folders are created); return its path."""
    path = Path(out)
    html = render_report(ws, lang, period=period)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def _asset(name: str) -> str:
    return resources.files("legame.web").joinpath("static", name).read_text("utf-8")


def _script(code: str) -> str:
    """Script text safe inside ``<script>``: nothing in it can close the element."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")
