"""The API's NPS and Finding bodies have exactly the library's fields, with the same types:
the library's dataclasses are their one definition."""

from __future__ import annotations

import dataclasses
from typing import Any, get_type_hints

from pydantic import BaseModel

from legame.api import schemas as s
from legame.insights.finding import Finding, insufficient
from legame.metrics.nps import NPS, nps_from_counts


def _library(result_type: type, *, besides: set[str] | None = None) -> dict[str, Any]:
    hints = get_type_hints(result_type)
    fields = [f.name for f in dataclasses.fields(result_type)]
    return {name: hints[name] for name in fields if name not in (besides or set())}


def _api(model: type[BaseModel], *, besides: set[str] | None = None) -> dict[str, Any]:
    """The model's fields and types, leaving out ``besides`` (after checking they exist)."""
    fields = {name: f.annotation for name, f in model.model_fields.items()}
    assert (besides or set()) <= set(fields)
    return {name: kind for name, kind in fields.items() if name not in (besides or set())}


def test_the_nps_bodies_have_the_fields_of_the_library_nps() -> None:
    assert _api(s.NpsResult) == _library(NPS)
    assert _api(s.NpsGroup, besides={"group"}) == _library(NPS)
    assert _api(s.NpsReport, besides={"by", "groups", "nps_counts", "period"}) == _library(NPS)
    assert all(f.is_required() for f in s.NpsResult.model_fields.values())
    result = nps_from_counts(50, 30, 20).to_dict()
    assert s.NpsResult.model_validate(result).model_dump() == result


def test_the_finding_body_has_the_fields_of_the_library_finding() -> None:
    # ``text`` is how the dashboard says a finding in its reader's language: not the API's
    assert _api(s.Finding, besides={"computed_at"}) == _library(Finding, besides={"text"})
    assert all(
        f.is_required() for name, f in s.Finding.model_fields.items() if name != "computed_at"
    )
    finding = insufficient("an_id", "A claim.", "A method.", "too few customers", n=3)
    body = finding.to_dict()
    assert s.Finding.model_validate(body).model_dump(exclude={"computed_at"}) == body


def test_the_openapi_schema_lists_every_library_field_as_required() -> None:
    """What clients see: each body's schema requires exactly the library's fields (and the
    API's own additions)."""
    nps = s.NpsResult.model_json_schema()
    assert nps["title"] == "NpsResult" and nps["required"] == list(_library(NPS))
    finding = s.Finding.model_json_schema()
    documented = _library(Finding, besides={"text"})
    assert finding["title"] == "Finding" and finding["required"] == list(documented)
    assert set(finding["properties"]) == {*documented, "computed_at"}
