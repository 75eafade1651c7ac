"""Docs don't drift: the data-model reference is generated from the schema."""

from __future__ import annotations

from pathlib import Path

from legame.store.reference import data_model_markdown
from legame.store.schema import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def test_data_model_doc_is_the_generated_one() -> None:
    assert DOC.read_text() == data_model_markdown(), (
        "docs/data-model.md is out of date: python -m legame.store.reference > docs/data-model.md"
    )


def test_every_canonical_column_is_in_the_data_model_doc() -> None:
    text = DOC.read_text()
    for table in TABLES.values():
        assert f"## `{table.name}`" in text
        for col in table.columns:
            assert f"| `{col.name}` |" in text, (table.name, col.name)
