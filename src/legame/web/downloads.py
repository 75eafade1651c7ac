"""CSV downloads of the lists the dashboard shows, with the filters on screen.

========================  =========  ====================================================
download                  role       what it holds
========================  =========  ====================================================
``/customers.csv``        analyst    every customer of ``/customers`` with the same
                                     filters and order (all pages, streamed)
``/segments.csv``         viewer     the overview's segments table
``/findings.csv``         viewer     one row per finding: claim, verdict, estimate,
                                     interval, n
========================  =========  ====================================================

A download is a spreadsheet's CSV in the request's language (:func:`csv_text`): UTF-8
with a byte-order mark, ``;`` between fields and a decimal comma in Italian and Spanish,
``,`` and ``.`` in English; numbers without thousands separators, dates in ISO 8601,
nothing for a missing value, headers and data values (a segment, a verdict) in the
catalogue's words. Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, a tab or a carriage return first) starts with ``'``. The file name is fixed by the
server: nothing a user typed goes into it.

The HTML report is downloaded from ``/report.html`` (``legame.api.downloads``: the report
is drawn with this package's templates, so the route lives above it).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from legame.store.bookkeeping import has_table
from legame.web.auth import need
from legame.web.findings import load_findings
from legame.web.i18n import FAMILIES, Catalogue, catalogue
from legame.web.respond import language
from legame.web.sessions import WebSession

router = APIRouter(include_in_schema=False)
Viewer = Annotated[WebSession, Depends(need("viewer"))]
Analyst = Annotated[WebSession, Depends(need("analyst"))]

#: The columns of each download, in order; each header is ``csv.<column>`` in the
#: catalogues.
CUSTOMER_COLUMNS = (
    "customer_id",
    "segment",
    "clv",
    "p_alive",
    "revenue",
    "orders",
    "last_order_at",
    "churn_risk",
    "nps_category",
)
SEGMENT_COLUMNS = (
    "segment",
    "customers",
    "revenue",
    "clv",
    "mean_p_alive",
    "promoters",
    "detractors",
)
FINDING_COLUMNS = (
    "id",
    "claim",
    "verdict",
    "estimate",
    "ci_low",
    "ci_high",
    "null",
    "n",
    "causal",
    "summary",
    "computed_at",
)
#: Columns holding data values written as their label: the family of their catalogue keys.
LABELLED = {
    "segment": "segment",
    "churn_risk": "risk",
    "nps_category": "nps_category",
    "verdict": "verdict",
}
#: Rows of the customer list read at a time from the server's kept copy of it.
EXPORT_ROWS = 10_000
#: Field separator and decimal mark per language.
FORMATS = {"en": (",", "."), "it": (";", ","), "es": (";", ",")}
#: What a text may not start with, or a spreadsheet runs it as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Significant digits of a number: enough for any measure, not the binary noise of a sum.
DIGITS = 12
#: Rows per streamed chunk.
CHUNK_ROWS = 200
BOM = "\ufeff"
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


# --- CSV -----------------------------------------------------------------------------------


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], lang: str) -> Iterator[str]:
    """The CSV of ``rows`` (their ``columns``, in order) in ``lang``, in chunks: the
    byte-order mark and the header first, then :data:`CHUNK_ROWS` rows at a time."""
    c = catalogue(lang)
    separator, _ = FORMATS[c.lang]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([_text(c.t(f"csv.{column}")) for column in columns])
    yield BOM + _drain(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            [cell(row.get(column), c, family=LABELLED.get(column)) for column in columns]
        )
        if count % CHUNK_ROWS == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def write_csv(
    out: IO[str], rows: Iterable[Mapping[str, Any]], columns: Sequence[str], lang: str
) -> None:
    """Write :func:`csv_text` to ``out``, a text file opened with ``newline=""``."""
    for chunk in csv_text(rows, columns, lang):
        out.write(chunk)


def cell(value: Any, c: Catalogue, *, family: str | None = None) -> str:
    """One value as a CSV field in the language of ``c``; ``family``: write a data value
    as its label (``label("segment", "at risk")``)."""
    if value is None:
        return ""
    if family is not None:
        return _text(c.label(family, value))
    if isinstance(value, bool):
        return c.t("csv.yes") if value else c.t("csv.no")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number(float(value), FORMATS[c.lang][1])
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return _text(str(value))


def _number(value: float, mark: str) -> str:
    """``1234.5`` as ``1234,5`` (``mark`` ``,``): positional, no thousands separator."""
    if not math.isfinite(value):
        return ""
    text = format(Decimal(format(value, f".{DIGITS}g")), "f")
    return "0" if text == "-0" else text.replace(".", mark)


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- rows ----------------------------------------------------------------------------------


def customer_rows(
    store: Any,
    *,
    state: Any = None,
    q: str | None,
    segment: str | None,
    churn_risk: str | None,
    nps_category: str | None,
    sort: str,
    descending: bool,
) -> Iterator[dict[str, Any]]:
    """Every customer of the customer list with these filters, in its order: the list's
    pages (:func:`legame.views.list_customers`), all of them, read in one snapshot (the
    server's kept copy of the list, from the app's ``state``, when it has one)."""
    from legame.views import list_customers
    from legame.views.customer_index import kept
    from legame.views.customers import MAX_PAGE_SIZE, list_filters

    with store.session() as ws:
        if not has_table(ws, "customer_scores"):
            return
        ws.con.execute("BEGIN TRANSACTION")  # every page sees the same scores
        try:
            index = kept(state, ws)  # a copy is one snapshot too
            if index is not None:  # its order once, its rows a page at a time
                filters = list_filters(q, segment, churn_risk, nps_category, None)
                order = index.positions(filters, sort, descending)
                for start in range(0, order.size, EXPORT_ROWS):
                    yield from index.rows_at(order[start : start + EXPORT_ROWS])
                return
            page, pages = 1, 1
            while page <= pages:
                found = list_customers(
                    ws,
                    q=q,
                    segment=segment,
                    churn_risk=churn_risk,
                    nps_category=nps_category,
                    sort=sort,
                    descending=descending,
                    page=page,
                    page_size=MAX_PAGE_SIZE,
                )
                pages = found["pages"]
                yield from found["customers"]
                page += 1
        finally:
            ws.con.execute("ROLLBACK")  # it read only


# --- responses -----------------------------------------------------------------------------


def file_name(what: str, extension: str) -> str:
    """``legame-<what>-<today>.<extension>``: made by the server alone."""
    return f"legame-{what}-{datetime.now(UTC).date().isoformat()}.{extension}"


def attachment(name: str, media_type: str) -> dict[str, str]:
    """The headers of a download called ``name``."""
    return {
        **HEADERS,
        "Content-Type": media_type,
        "Content-Disposition": f'attachment; filename="{name}"',
    }


def _csv_response(
    chunks: Iterator[str], what: str, *, close: Iterator[Any] | None = None
) -> Response:
    headers = attachment(file_name(what, "csv"), "text/csv; charset=utf-8")

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in iterate_in_threadpool(chunks):
                yield chunk.encode("utf-8")
        finally:  # a client that goes away ends the rows' session now, not when collected
            for opened in (chunks, close):
                if opened is not None and hasattr(opened, "close"):
                    await run_in_threadpool(opened.close)

    return StreamingResponse(body(), headers=headers, media_type="text/csv")


def _store(request: Request) -> Any:
    return request.app.state.store


def _choice(value: str | None, family: str) -> str | None:
    return value if value in FAMILIES[family] else None


@router.get("/customers.csv")
def customers_csv(
    request: Request,
    session: Analyst,
    q: str | None = None,
    segment: str | None = None,
    churn_risk: str | None = None,
    nps_category: str | None = None,
    sort: str | None = None,
    order: str | None = None,
) -> Response:
    """The customer list with its filters and order, every page of it."""
    rows = customer_rows(
        _store(request),
        state=request.app.state,
        q=(q or "").strip()[:200] or None,
        segment=_choice(segment, "segment"),
        churn_risk=_choice(churn_risk, "risk"),
        nps_category=_choice(nps_category, "nps_category"),
        sort=_choice(sort, "sort") or "clv",
        descending=order != "asc",
    )
    lang = language(request).lang
    return _csv_response(csv_text(rows, CUSTOMER_COLUMNS, lang), "customers", close=rows)


@router.get("/segments.csv")
def segments_csv(request: Request, session: Viewer) -> Response:
    """The overview's segments table."""
    from legame.views import overview

    with _store(request).session() as ws:
        rows = overview(ws)["segments"]  # what the overview shows, as it gets it
    return _csv_response(csv_text(rows, SEGMENT_COLUMNS, language(request).lang), "segments")


@router.get("/findings.csv")
def findings_csv(request: Request, session: Viewer) -> Response:
    """The findings, one row each."""
    with _store(request).session() as ws:
        rows = load_findings(ws)
    return _csv_response(csv_text(rows, FINDING_COLUMNS, language(request).lang), "findings")
