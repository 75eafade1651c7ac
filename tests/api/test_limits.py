"""Every request body has a limit and a 4xx: size (413), JSON nesting depth (422), and the
length of every string and list in it (422); all in the one error shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from legame.api import limits
from legame.api.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_depth
from legame.engage.message.check import MAX_DRAFT_CHARS
from legame.policy import MAX_POLICY_CHARS, MAX_VALUE_CHARS, MAX_VALUES
from tests.api.conftest import auth

MESSAGE = "/api/v1/messages/check"


def error(response: Any, status: int, code: str) -> str:
    """The message of an error response, after checking its status and its one shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    message: str = body["error"]["message"]
    assert message and "\n" not in message
    return message


def json_headers(key: str) -> dict[str, str]:
    return {**auth(key), "Content-Type": "application/json"}


def test_a_body_over_the_size_limit_is_413_before_it_is_read(client, keys) -> None:
    body = b'{"text": "' + b"a" * MAX_BODY_BYTES + b'"}'
    message = error(
        client.post(MESSAGE, content=body, headers=json_headers(keys["analyst"])), 413, "too_large"
    )
    assert message == (
        f"The request body is {len(body):,} bytes, more than the limit of {MAX_BODY_BYTES:,} bytes."
    )


def test_a_chunked_body_over_the_size_limit_is_413(client, keys) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    response = client.post(MESSAGE, content=chunks(), headers=json_headers(keys["analyst"]))
    assert "more than the limit" in error(response, 413, "too_large")


def test_the_size_limit_applies_before_authentication(client) -> None:
    response = client.post(MESSAGE, content=b"x" * (MAX_BODY_BYTES + 1))
    error(response, 413, "too_large")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000, 200_000])
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (MESSAGE, '{{"text": "hello", "values": {nest}}}'),
        ("/api/v1/contact/check", '{{"customer_id": "c", "channel": "email", "x": {nest}}}'),
        ("/api/v1/policy", '{{"text": {nest}}}'),
    ],
)
def test_json_nested_too_deep_is_422_not_500(client, keys, depth, path, body) -> None:
    nest = "[" * depth + "]" * depth
    method = client.put if path.endswith("policy") else client.post
    response = method(path, content=body.format(nest=nest), headers=json_headers(keys["admin"]))
    assert error(response, 422, "invalid_input") == (
        f"The JSON body nests {depth + 1:,} levels deep, more than the limit of 32."
    )


def test_json_depth_skips_strings_and_escapes() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{"}], "c\\"[[": "\\\\"}') == 3
    assert json_depth(json.dumps({"x": "[" * 100, "y": [[["z"]]]}).encode()) == 4
    assert json_depth(b"") == 0 and json_depth(b"42") == 0


def _request_schemas(app: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every JSON request body of the API, with its schema ($refs resolved)."""
    spec = app.openapi()
    components = spec["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return resolve(components[schema["$ref"].rsplit("/", 1)[1]])
        return schema

    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append(
                    (f"{method.upper()} {path}", resolve(content["application/json"]["schema"]))
                )
    return found


def _unbounded(schema: dict[str, Any], where: str, components: Any) -> list[str]:
    """Strings without maxLength and arrays without maxItems, anywhere in ``schema``."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    found = []
    for option in schema.get("anyOf", []):
        found += _unbounded(option, where, components)
    kind = schema.get("type")
    if (
        kind == "string"
        and "maxLength" not in schema
        and "enum" not in schema
        and (schema.get("format") not in {"date-time", "date"})
    ):
        found.append(where)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(where)
        found += _unbounded(schema.get("items", {}), f"{where}[]", components)
    for name, prop in schema.get("properties", {}).items():
        found += _unbounded(prop, f"{where}.{name}", components)
    if schema.get("additionalProperties") not in (None, False):
        found.append(f"{where} (open object)")
    return found


def test_every_string_and_list_of_every_request_body_has_a_maximum(client) -> None:
    components = client.app.openapi()["components"]["schemas"]
    bodies = _request_schemas(client.app)
    assert {name for name, _ in bodies} >= {
        "POST /api/v1/messages/check",
        "POST /api/v1/contact/check",
        "PUT /api/v1/policy",
    }
    unbounded = [where for name, schema in bodies for where in _unbounded(schema, name, components)]
    assert unbounded == []


def test_values_are_bounded_in_number_and_length(client, keys) -> None:
    headers = auth(keys["analyst"])
    too_many = client.post(
        MESSAGE,
        headers=headers,
        json={"text": "Ciao\nbuongiorno", "values": ["v"] * (MAX_VALUES + 1)},
    )
    assert error(too_many, 422, "invalid_input") == "The request is not valid: see details."
    assert too_many.json()["error"]["details"][0]["location"] == ["body", "values"]
    too_long = client.post(
        MESSAGE, headers=headers, json={"text": "Ciao", "values": ["x" * (MAX_VALUE_CHARS + 1)]}
    )
    error(too_long, 422, "invalid_input")
    assert too_long.json()["error"]["details"][0]["location"] == ["body", "values", "0"]
    ok = client.post(
        MESSAGE,
        headers=headers,
        json={"text": "Ciao\nbuongiorno", "values": ["v" * MAX_VALUE_CHARS] * 50},
    )
    assert ok.status_code == 200, ok.text


def test_the_longest_draft_fits_the_body_limit_even_escaped(client, keys) -> None:
    """200,000 accented characters, each sent as a JSON \\u escape: 1.2 MB, checked."""
    text = "Il pane di oggi\n" + "è" * (MAX_DRAFT_CHARS - 16)
    body = json.dumps({"text": text, "values": ["qualità"]}, ensure_ascii=True).encode()
    assert len(body) > 6 * (MAX_DRAFT_CHARS - 16)
    response = client.post(MESSAGE, content=body, headers=json_headers(keys["analyst"]))
    assert response.status_code == 200, response.text
    too_long = client.post(
        MESSAGE, headers=auth(keys["analyst"]), json={"text": "a" * (MAX_DRAFT_CHARS + 1)}
    )
    assert too_long.json()["error"]["details"][0]["location"] == ["body", "text"]


def test_uploads_to_ingest_keep_their_own_limit(client, keys, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_BODY_BYTES", 1000)
    rows = "".join(f"LIM{i:05d},C000001,2024-03-01 10:00:00,12.50\n" for i in range(200))
    csv = ("order_id,customer_id,ordered_at,amount\n" + rows).encode()
    assert len(csv) > 1000
    uploaded = client.post(
        "/api/v1/ingest/orders",
        headers=auth(keys["admin"]),
        files={"file": ("o.csv", csv, "text/csv")},
    )
    assert uploaded.status_code == 200, uploaded.text
    refused = client.post(MESSAGE, headers=auth(keys["analyst"]), json={"text": "x" * 2000})
    error(refused, 413, "too_large")


def test_a_policy_nested_5000_deep_is_422_and_leaves_no_file(client, keys, api_db: Path) -> None:
    headers = auth(keys["admin"])
    before = client.get("/api/v1/policy", headers=headers).json()["text"]
    listing = sorted(p.name for p in api_db.parent.iterdir())
    text = "a = " + "[" * 5000 + "]" * 5000 + "\n"
    response = client.put("/api/v1/policy", headers=headers, json={"text": text})
    assert error(response, 422, "invalid_input") == (
        "legame.toml: line 1: arrays or inline tables nest more than 20 deep; no legame file "
        "needs more than three: fix that line."
    )
    assert client.get("/api/v1/policy", headers=headers).json()["text"] == before
    assert sorted(p.name for p in api_db.parent.iterdir()) == listing


def test_a_policy_over_the_size_limit_is_422(client, keys) -> None:
    text = "# x\n" * (MAX_POLICY_CHARS // 4 + 1)
    response = client.put("/api/v1/policy", headers=auth(keys["admin"]), json={"text": text})
    error(response, 422, "invalid_input")
    assert response.json()["error"]["details"][0]["location"] == ["body", "text"]
