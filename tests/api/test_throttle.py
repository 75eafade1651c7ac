"""Wrong API keys are throttled per client: after ``max_failures`` in the window, 429 with
``Retry-After`` for that client only, until its failures leave the window. The clock is
injected; nothing sleeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.api.throttle import MAX_FAILURES, FailedKeys
from tests.api.conftest import auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttled(api_db: Path, keys: dict[str, str], clock: Clock):
    failed = FailedKeys(max_failures=5, window=60.0, clock=clock)
    with TestClient(create_app(api_db, failed_keys=failed), client=("10.0.0.1", 5000)) as c:
        yield c


def other_client(app) -> TestClient:
    return TestClient(app, client=("10.0.0.2", 5000))


def test_a_hundred_wrong_keys_in_a_row_end_in_429_with_retry_after(
    api_db: Path, keys: dict[str, str]
) -> None:
    """The default limit: the hundred wrong keys of the report are 401 up to MAX_FAILURES,
    then 429 (the clock is frozen: however long the requests take, they are in the window)."""
    frozen = FailedKeys(clock=lambda: 0.0)
    with TestClient(create_app(api_db, failed_keys=frozen)) as client:
        statuses = [
            client.get("/api/v1/overview", headers=auth(f"lgm_guess_{i}")).status_code
            for i in range(100)
        ]
    assert statuses[:MAX_FAILURES] == [401] * MAX_FAILURES
    assert set(statuses[MAX_FAILURES:]) == {429}


def test_after_n_failures_the_client_gets_429_even_with_the_right_key(
    throttled: TestClient, keys: dict[str, str]
) -> None:
    for _ in range(5):
        assert throttled.get("/api/v1/overview", headers=auth("wrong")).status_code == 401
    refused = throttled.get("/api/v1/overview", headers=auth("wrong"))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert "try again in 60 s" in refused.json()["error"]["message"]
    # The right key from the same client waits too: no guess is checked while refused.
    assert throttled.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 429


def test_a_right_key_from_another_client_still_works(
    throttled: TestClient, keys: dict[str, str]
) -> None:
    for _ in range(6):
        throttled.get("/api/v1/overview", headers=auth("wrong"))
    assert throttled.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 429
    other = other_client(throttled.app)
    assert other.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 200


def test_the_client_may_try_again_when_its_failures_leave_the_window(
    throttled: TestClient, keys: dict[str, str], clock: Clock
) -> None:
    for _ in range(5):
        throttled.get("/api/v1/overview", headers=auth("wrong"))
        clock.now += 10  # failures at 1000, 1010, ..., 1040
    refused = throttled.get("/api/v1/overview", headers=auth(keys["viewer"]))
    assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
    clock.now = 1060.0  # the first failure leaves the window: 4 in it
    assert throttled.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 200
    assert throttled.get("/api/v1/overview", headers=auth("wrong")).status_code == 401
    assert throttled.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 429


def test_requests_without_a_key_and_right_keys_do_not_count(
    throttled: TestClient, keys: dict[str, str]
) -> None:
    for _ in range(20):
        assert throttled.get("/api/v1/overview").status_code == 401
        assert throttled.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 200
    assert throttled.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 200


def test_429_is_documented_for_every_operation(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for operation in operations.values():
                assert "429" in operation["responses"], path


def test_failed_keys_forgets_the_least_recent_client_beyond_its_bound(clock: Clock) -> None:
    failed = FailedKeys(max_failures=1, window=60.0, clock=clock, max_clients=2)
    for client in ("a", "b", "c"):
        failed.failed(client)
    assert failed.retry_after("a") is None
    assert failed.retry_after("b") == 60 and failed.retry_after("c") == 60
