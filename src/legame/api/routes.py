"""The /api/v1 endpoints: parse the request, call the library, return its data."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile

from legame.api import schemas as s
from legame.api.auth import require
from legame.api.errors import ERROR_RESPONSES
from legame.api.preferences import router as _preferences
from legame.errors import InputError, NotFoundError, StoreError
from legame.store.keys import ApiKey

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
# First: its /customers/{id}/preferences routes must come before the customer 360's,
# whose id takes the rest of the path.
router.include_router(_preferences)
Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Analyst = Annotated[ApiKey, Depends(require("analyst"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
TableName = Literal[
    "customers",
    "orders",
    "tickets",
    "survey_responses",
    "campaigns",
    "messages",
    "consents",
    "charges",
    "gestures",
    "referrals",
]
#: Uploads larger than this are refused with 413 (LEGAME_MAX_UPLOAD_MB to change).
DEFAULT_MAX_UPLOAD_MB = 200


def max_upload_mb() -> int:
    """The upload limit in MB, read when an upload comes (a bad value is a clear 503)."""
    value = os.environ.get("LEGAME_MAX_UPLOAD_MB") or str(DEFAULT_MAX_UPLOAD_MB)
    if not value.strip().isdigit() or int(value) < 1:
        raise StoreError(f"LEGAME_MAX_UPLOAD_MB={value!r} is not a whole number of MB (>= 1).")
    return int(value)


def _store(request: Request) -> Any:
    return request.app.state.store


def utc(value: Any) -> Any:
    """The store keeps naive UTC; the API says so explicitly (RFC 3339 with +00:00)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, dict):
        return {k: utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [utc(v) for v in value]
    return value


@router.get("/overview", response_model=s.Overview, tags=["aggregates"])
def get_overview(
    request: Request,
    _: Viewer,
    period: Annotated[
        str | None,
        Query(max_length=40, description="30d, 90d (default), 365d, a year, a range, or all."),
    ] = None,
) -> dict[str, Any]:
    """The period's headline (see /headline), NPS with its monthly trend, the breakdowns by
    segment, channel and country (see /breakdown), CLV distribution, value at risk,
    segments."""
    from legame.metrics.period import data_as_of, parse_period
    from legame.views import overview

    with _store(request).session() as ws:
        data = utc(overview(ws, parse_period(period, data_as_of(ws))))
    data["nps_trend"] = [{**g, "group": g.pop("month")} for g in data["nps_trend"]]
    return data


@router.get("/nps", response_model=s.NpsReport, tags=["aggregates"])
def get_nps(
    request: Request,
    _: Viewer,
    by: Literal["month", "segment", "channel"] | None = None,
    period: Annotated[
        str | None,
        Query(max_length=40, description="30d, 90d, 365d, a year, a range, or all (default)."),
    ] = None,
    every_answer: Annotated[
        bool, Query(description="Count every answer (default: each customer's latest).")
    ] = False,
) -> dict[str, Any]:
    """NPS with the adjusted-Wald 95% interval, overall and (with ``by``) per group, of the
    answers in the period: each customer's latest (in each month, by month), or every one."""
    from legame.metrics.nps import nps_report
    from legame.metrics.period import data_as_of, parse_period
    from legame.views.cache import cached_copy, today

    def compute(ws: Any, day: date) -> dict[str, Any]:
        chosen = parse_period(period or "all", data_as_of(ws, today=day) or day)
        return nps_report(ws, by, period=chosen, every_answer=every_answer)

    # Kept while the data stays the same; the period ends with the latest data up to today
    # (the day is in the key, and the period is read for that same day).
    day = today()
    with _store(request).session() as ws:
        data = cached_copy(ws, ("nps", by, period, every_answer, day), lambda: compute(ws, day))
    if by:
        data["groups"] = [{**g, "group": str(g.pop(by))} for g in data["groups"]]
    return data


@router.get("/segments", response_model=list[s.Segment], tags=["aggregates"])
def get_segments(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """Customers, revenue, CLV, P(alive) and NPS mix per RFM segment."""
    from legame.views import overview

    with _store(request).session() as ws:
        return overview(ws)["segments"]


@router.get("/findings", response_model=list[s.Finding], tags=["aggregates"])
def get_findings(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """The latest findings: each seed claim tested on this data (empty before the first
    `legame findings` or `POST /api/v1/findings`)."""
    from legame.views import findings

    with _store(request).session() as ws:
        return utc(findings(ws))


@router.post("/findings", response_model=list[s.Finding], tags=["aggregates"])
def post_findings(request: Request, _: Admin) -> list[dict[str, Any]]:
    """Recompute every finding on the current data and keep them."""
    from legame.insights import compute_findings
    from legame.insights.saved import save_findings
    from legame.views import findings

    with _store(request).session() as ws:
        save_findings(ws, compute_findings(ws))
        return utc(findings(ws))


@router.get("/customers", response_model=s.CustomerPage, tags=["customers"])
def get_customers(
    request: Request,
    _: Analyst,
    q: Annotated[str | None, Query(max_length=200, description="Part of the id or e-mail.")] = None,
    segment: Annotated[str | None, Query(max_length=50)] = None,
    churn_risk: Literal["low", "medium", "high"] | None = None,
    nps_category: Literal["promoter", "passive", "detractor"] | None = None,
    min_clv: Annotated[float | None, Query(ge=0, le=1e15)] = None,
    sort: Literal["clv", "revenue", "p_alive", "last_order_at", "customer_id"] = "clv",
    descending: bool = True,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Customer scores, filtered and paginated (``q`` matches literally, in any case; a
    page past the last is a 404 that says how many pages there are)."""
    from legame.views import list_customers
    from legame.views.customer_index import kept

    with _store(request).session() as ws:
        found = list_customers(
            ws,
            index=kept(request.app.state, ws),
            q=q,
            segment=segment,
            churn_risk=churn_risk,
            nps_category=nps_category,
            min_clv=min_clv,
            sort=sort,
            descending=descending,
            page=page,
            page_size=page_size,
        )
    if page > found["pages"]:
        raise NotFoundError(
            f"There is no page {page:,}: {found['total']:,} customers make "
            f"{found['pages']:,} page(s) of {page_size}."
        )
    return utc(found)


# ``:path`` lets an id hold "/" (sent as is or as %2F); the id is the rest of the path.
@router.get("/customers/{customer_id:path}", response_model=s.Customer360, tags=["customers"])
def get_customer(request: Request, customer_id: str, _: Analyst) -> dict[str, Any]:
    """The customer 360: profile, scores, and the timeline of orders, tickets, surveys,
    messages, gestures, fees and referrals. An id may hold ``/``."""
    from legame.ingest.ids import workspace_customer_id
    from legame.views import customer_360
    from legame.views.customer_index import kept

    customer_id = workspace_customer_id(_store(request).path, customer_id)
    with _store(request).session() as ws:
        return utc(customer_360(ws, customer_id, kept(request.app.state, ws)))


@router.delete("/customers/{customer_id:path}", response_model=s.Erased, tags=["customers"])
def delete_customer(request: Request, customer_id: str, _: Admin) -> dict[str, Any]:
    """Erase the customer from every table and from the database file's bytes (one
    transaction, then the file rewritten; audited without personal data). An id may hold
    ``/``."""
    from legame.ingest.ids import workspace_customer_id
    from legame.store.erasure import forget
    from legame.views.cache import forget_all

    customer_id = workspace_customer_id(_store(request).path, customer_id)
    # The erasure rewrites the file: it waits for the requests in flight and holds new ones.
    with _store(request).exclusive() as ws:
        erased = forget(ws, customer_id).to_dict()
        # the kept copy of the customer list held the customer: it goes now, not at the
        # next read (the next one is made from the data without the customer)
        request.app.state.customer_index.drop()
        forget_all()  # and so do the kept results of the data before (a plan names customers)
        return erased


@router.post("/contact/check", response_model=s.ContactDecision, tags=["engagement"])
def post_contact_check(request: Request, body: s.ContactCheckIn, _: Analyst) -> dict[str, Any]:
    """May this customer get a message on this channel now (or at ``at``)? An unknown
    customer is a 404; an ``at`` outside 1900-2999 a 422."""
    from legame.engage.governor import Governor

    with _store(request).session() as ws:
        decision = Governor.for_workspace(ws).check(
            body.customer_id,
            body.channel,
            body.at,
            transactional=body.transactional,
            campaign_id=body.campaign_id,
        )
    return decision.to_dict()


@router.post("/messages/check", response_model=s.MessageVerdict, tags=["engagement"])
def post_message_check(request: Request, body: s.MessageCheckIn, _: Analyst) -> dict[str, Any]:
    """Does this draft convey the brand's values, or is it pushy, incentive-only or empty?"""
    from legame.engage.message import check_message
    from legame.policy import load_policy, policy_path_for

    values = body.values
    if values is None:
        values = list(load_policy(policy_path_for(_store(request).path)).values)
    return check_message(body.text, values, language=body.language).to_dict()


@router.get("/gestures/plan", response_model=s.GesturePlanPage, tags=["engagement"])
def get_gesture_plan(
    request: Request,
    _: Analyst,
    at: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The gestures the gratitude program proposes now (or at ``at``, 1900-2999), with
    random arms, one page at a time in the plan's order (a page past the last is a 404 that
    says how many pages there are). The plan is computed once for the data and the policy's
    ``[gratitude]`` section as they are: its other pages are read from it."""
    from legame.views.engagement import gesture_plan

    with _store(request).session() as ws:
        table = gesture_plan(ws, at)
    total = table.num_rows
    pages = max(1, -(-total // page_size))
    if page > pages:
        raise NotFoundError(
            f"There is no page {page:,}: {total:,} proposed gestures make "
            f"{pages:,} page(s) of {page_size}."
        )
    proposals = table.slice((page - 1) * page_size, page_size).to_pylist()
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "proposals": utc(proposals),
    }


@router.get("/gestures/results", response_model=s.GestureResults, tags=["engagement"])
def get_gesture_results(request: Request, _: Viewer, at: datetime | None = None) -> dict[str, Any]:
    """Treatment against holdout per trigger: retention, spend and NPS, with intervals (as
    of ``at``, 1900-2999; default: the latest activity); each row also carries the
    experiment's reading (``comparisons`` unadjusted, CUPED and always valid, ``verdict``,
    ``segments``, ``return``: docs/experiments.md). Kept while the data and the policy's
    ``[gratitude]`` and ``[experiments]`` sections stay the same."""
    from legame.views.engagement import gesture_results

    with _store(request).session() as ws:
        return utc(gesture_results(ws, at))


@router.post("/ingest/{table}", response_model=s.IngestReport, tags=["data"])
def post_ingest(
    request: Request,
    table: TableName,
    _: Admin,
    file: Annotated[UploadFile, File(description="CSV, Parquet or JSON Lines.")],
    map: Annotated[list[str] | None, Query(description="FIELD=COLUMN, repeatable.")] = None,
    delimiter: Annotated[str | None, Query(min_length=1, max_length=2)] = None,
    decimal: Literal[".", ","] = ".",
    thousands: Annotated[
        Literal[",", ".", "none"] | None,
        Query(description="Thousands separator, to confirm numbers such as 12,500."),
    ] = None,
    date_format: Annotated[str | None, Query(max_length=50)] = None,
    encoding: Annotated[str | None, Query(max_length=30)] = None,
    preset: Annotated[
        str | None,
        Query(max_length=60, description="Read the file as this tool's export, e.g. shopify."),
    ] = None,
    nps_question: Annotated[str | None, Query(max_length=500)] = None,
    csat_question: Annotated[str | None, Query(max_length=500)] = None,
    ces_question: Annotated[str | None, Query(max_length=500)] = None,
    comment_question: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """Load an uploaded file into a table: the same rules and answer as `legame ingest`.
    With ``preset``, the file is read as that tool's export (`legame presets list`); a
    survey export's questions may be named with ``nps_question`` and the like.

    The store records the file under the client's own name (its last path part, without
    control characters). A file that cannot be loaded at all, or bad options, are a 422
    whose message names the upload (never the server's copy) and the query parameter.
    """
    from legame.ingest import ReadOptions, ingest, parse_mapping
    from legame.ingest.readers import clean_file_name, format_of
    from legame.store.schema import TABLES

    name = clean_file_name(file.filename)
    try:
        format_of(Path(name))  # unknown extensions are refused before reading the body
        options = ReadOptions(
            mapping=parse_mapping(map or []),
            delimiter=delimiter,
            decimal=decimal,
            date_format=date_format,
            encoding=encoding,
            thousands=thousands,
            preset=preset,
            questions={
                name: value
                for name, value in (
                    ("nps", nps_question),
                    ("csat", csat_question),
                    ("ces", ces_question),
                    ("comment", comment_question),
                )
                if value is not None
            },
        )
        options.validate(TABLES[table])  # bad options are refused before reading the body
    except InputError as exc:
        raise InputError(_upload_message(str(exc), name)) from None
    folder = Path(tempfile.mkdtemp(prefix="legame-upload-"))
    try:
        # The server's copy has a name of its own; the client's name is only recorded.
        path = folder / ("upload" + Path(name).suffix.lower())
        _save(file, path, name)
        with _store(request).session() as ws:
            report = ingest(ws, table, [path], options, source_name=name)
            if not report.failed:
                _after_import(ws, table)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if report.failed:
        error = report.failed[0].error or "the file could not be loaded."
        raise InputError(_upload_message(error.replace(str(path), name), name))
    return report.to_dict()


def _after_import(ws: Any, table: str) -> None:
    """What an import of answers or tickets sets going, as `legame ingest` does: the
    comments' languages and the cases of new detractors and poor service. Derived data,
    after the batch committed: should it fail, the next `legame score` makes it."""
    from legame.engage.cases import open_cases
    from legame.voices import record_comment_languages

    if table == "survey_responses":
        record_comment_languages(ws)
    if table in ("survey_responses", "tickets"):
        open_cases(ws)


_OPTION = re.compile(
    r"--(map|delimiter|decimal|thousands|date-format|encoding|preset|"
    r"nps-question|csat-question|ces-question|comment-question)\b( (?=\w+=))?"
)


def _upload_message(message: str, name: str) -> str:
    """An ingestion message as an API client reads it: it names the upload, and the query
    parameters (``?date_format``, ``?map=FIELD=COLUMN``) where the library's words name the
    command line's options (``--date-format``, ``--map FIELD=COLUMN``)."""
    message = _OPTION.sub(lambda m: "?" + m[1].replace("-", "_") + ("=" if m[2] else ""), message)
    return message if message.startswith(f"{name}:") else f"{name}: {message}"


def _save(upload: UploadFile, path: Path, name: str) -> None:
    megabytes = max_upload_mb()
    limit = megabytes * 1024 * 1024
    written = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            written += len(chunk)
            if written > limit:
                from fastapi import HTTPException

                raise HTTPException(413, f"The file is larger than {megabytes} MB.")
            out.write(chunk)
    if written == 0:
        raise InputError(f"{name}: the uploaded file is empty.")


@router.get("/policy", response_model=s.Policy, tags=["policy"])
def get_policy(request: Request, _: Admin) -> dict[str, Any]:
    """The workspace's legame.toml."""
    from legame.policy import policy_path_for

    path = policy_path_for(_store(request).path)
    return {"path": str(path), "text": path.read_text(encoding="utf-8") if path.exists() else ""}


@router.put("/policy", response_model=s.Policy, tags=["policy"])
def put_policy(request: Request, body: s.PolicyIn, _: Admin) -> dict[str, Any]:
    """Replace legame.toml; refused (422, nothing written) unless it validates."""
    from legame.policy import policy_path_for, write_policy_text

    path = policy_path_for(_store(request).path)
    write_policy_text(path, body.text)  # validates before anything touches the disk
    return {"path": str(path), "text": body.text}


from legame.api.headline import router as _headline  # noqa: E402 (after the routes above)

router.include_router(_headline)

from legame.api.voices import router as _voices  # noqa: E402

router.include_router(_voices)

from legame.api.cases import router as _cases  # noqa: E402

router.include_router(_cases)

from legame.api.experiments import router as _experiments  # noqa: E402

router.include_router(_experiments)
