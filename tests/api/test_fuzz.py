"""Property-based fuzzing of the running server against its own OpenAPI schema
(schemathesis 4, through its pytest integration): every operation, as admin, a bounded
number of examples from a fixed seed, in the examples, coverage and fuzzing phases. No
response may be a 5xx, and every response must conform to the schema (status, content
type, body).

What it found is fixed, each with a regression test of its own: instants near the ends of
Python's datetime range overflowed in the contact check and the gesture plan and results
(``test_engagement_inputs.py``).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from legame.api.app import create_app
from legame.store import Workspace
from legame.store.keys import create_key
from tests.web.conftest import free_port

pytestmark = pytest.mark.slow

#: Examples per operation in the fuzzing phase (the coverage phase adds its own): about
#: 2-3 minutes for the 16 operations on two busy cores. The seed fixes what is generated.
MAX_EXAMPLES = 50
SEED = 19
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Instants at and past the ends of what Python's datetimes and legame compute with, with
#: the widest offsets. Hypothesis's own date-times almost never reach them (a thousand
#: cases of the gesture and contact operations did not), so every generated date-time is
#: one of these or an ordinary one, at any offset.
EDGE_INSTANTS = (
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "1900-01-01T00:00:00-14:00",
    "2999-12-31T23:59:59+14:00",
    "3000-01-01T00:00:00Z",
    "9999-12-31T23:59:00Z",
    "9999-12-31T23:59:59-14:00",
)
OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=14)), timezone(timedelta(0))]
)
INSTANTS = st.one_of(
    st.sampled_from(EDGE_INSTANTS),
    st.datetimes(timezones=OFFSETS).map(lambda at: at.isoformat()),
)


@dataclass(frozen=True)
class LiveApi:
    url: str
    admin_key: str


@pytest.fixture(scope="module")
def live_api(api_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """uvicorn serving a copy of the demo workspace on a free local port, in a thread, and
    an admin key made before it opens the workspace."""
    import uvicorn

    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "ws.duckdb"
    shutil.copy(api_demo, db)
    shutil.copy(api_demo.parent / "legame.toml", folder / "legame.toml")
    with Workspace.open(db) as ws:
        admin_key, _ = create_key(ws, "admin")
    config = uvicorn.Config(
        create_app(db),
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveApi(f"http://127.0.0.1:{config.port}", admin_key)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _schema() -> schemathesis.BaseSchema:
    """The app's own OpenAPI document (it does not depend on the workspace, which the app
    opens only when it starts)."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
            },
        }
    )
    document = create_app(Path("not-opened.duckdb")).openapi()
    schemathesis.openapi.format("date-time", INSTANTS)
    return schemathesis.openapi.from_dict(document, config=config)


schema = _schema()


@schema.parametrize()
def test_no_operation_answers_a_server_error_or_breaks_its_schema(case, live_api: LiveApi) -> None:
    case.call_and_validate(
        base_url=live_api.url,
        headers={"Authorization": f"Bearer {live_api.admin_key}"},
        checks=CHECKS,
        timeout=60,
    )
