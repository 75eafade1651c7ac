"""The files ``simulate`` writes: reproducible, in the canonical shape and format."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from legame.errors import InputError
from legame.simulate import EFFECTS, SimulationResult, simulate, simulate_tables
from legame.simulate.tables import EXTRA_COLUMNS
from legame.store.schema import TABLES

MC_FAST = 20_000
TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^\d+\.\d{2}$")
INT = re.compile(r"^\d+$")


def _columns(name: str) -> list[str]:
    """The schema's columns, then the attributes outside it that the simulator adds."""
    return [*TABLES[name].names, *EXTRA_COLUMNS.get(name, ())]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", customers=600, seed=11, mc_customers=MC_FAST)
    b = simulate(tmp_path / "b", customers=600, seed=11, mc_customers=MC_FAST)
    fa, fb = _files(a.out_dir), _files(b.out_dir)
    assert sorted(fa) == sorted([f"{t}.csv" for t in TABLES] + ["truth.json"])
    assert fa == fb


def test_different_seeds_write_different_data(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", customers=600, seed=11, mc_customers=MC_FAST)
    b = simulate(tmp_path / "b", customers=600, seed=12, mc_customers=MC_FAST)
    for name in ("customers.csv", "orders.csv", "messages.csv", "survey_responses.csv"):
        assert (a.out_dir / name).read_bytes() != (b.out_dir / name).read_bytes(), name


def test_every_csv_has_exactly_the_schema_columns_in_order(sim_files: SimulationResult) -> None:
    for name in TABLES:
        path = sim_files.paths[name]
        assert path.name == f"{name}.csv"
        header = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert header == ",".join(_columns(name))
        read = pacsv.read_csv(path)
        assert read.column_names == _columns(name)
        assert read.num_rows == sim_files.truth["rows"][name]  # type: ignore[index]


def test_in_memory_tables_have_the_schema_columns(sim_data) -> None:
    assert list(sim_data.tables) == list(TABLES)
    for name, table in sim_data.tables.items():
        assert table.column_names == _columns(name)
        assert table.num_rows > 0, name


def test_csv_fields_follow_the_canonical_format(sim_files: SimulationResult) -> None:
    """ISO timestamps, '.' decimals with cents, whole numbers, empty fields for NULL."""
    for name, table in TABLES.items():
        kinds = {c.name: c.kind for c in table.columns}
        kinds.update(dict.fromkeys(EXTRA_COLUMNS.get(name, ()), "text"))
        with sim_files.paths[name].open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert rows, name
        for row in rows:
            for column, value in row.items():
                if value == "":
                    assert not table.column(column).required, (name, column)
                    continue
                kind = kinds[column]
                if kind == "timestamp":
                    assert TS.match(value), (name, column, value)
                elif kind == "amount":
                    assert MONEY.match(value), (name, column, value)
                elif kind == "int":
                    assert INT.match(value), (name, column, value)


def test_nullable_fields_are_written_empty(sim_files: SimulationResult) -> None:
    nullable = pacsv.ConvertOptions(strings_can_be_null=True)
    surveys = pacsv.read_csv(sim_files.paths["survey_responses"], convert_options=nullable)
    assert surveys["nps"].null_count > 0  # ~5% skipped
    assert surveys["comment"].null_count > 0  # ~65% without a comment
    messages = pacsv.read_csv(sim_files.paths["messages"], convert_options=nullable)
    assert messages["opened_at"].null_count > 0


def test_contact_details_are_clearly_fake(sim_files: SimulationResult) -> None:
    customers = pacsv.read_csv(sim_files.paths["customers"]).to_pylist()
    assert all(c["email"].endswith("@example.com") for c in customers)
    phones = [c["phone"] for c in customers if c["phone"]]
    assert phones and all(" 555 " in str(p) for p in phones)


def test_created_at_is_each_customers_first_completed_order(sim_data) -> None:
    customers = sim_data.tables["customers"].to_pydict()
    orders = sim_data.tables["orders"].to_pydict()
    first: dict[str, object] = {}
    for cust, at, status in zip(
        orders["customer_id"], orders["ordered_at"], orders["status"], strict=True
    ):
        if status == "completed" and (cust not in first or at < first[cust]):  # type: ignore[operator]
            first[cust] = at
    assert dict(zip(customers["customer_id"], customers["created_at"], strict=True)) == first


def test_countries_languages_and_time_zones_match_the_world(sim_data) -> None:
    rows = sim_data.tables["customers"].to_pylist()
    share = {c: sum(r["country"] == c for r in rows) / len(rows) for c in ("IT", "ES")}
    assert abs(share["IT"] - 0.45) < 0.03 and abs(share["ES"] - 0.35) < 0.03
    pairs = {(r["country"], r["language"], r["time_zone"]) for r in rows}
    assert ("IT", "it", "Europe/Rome") in pairs and ("ES", "es", "Europe/Madrid") in pairs
    assert {p[1] for p in pairs} == {"it", "es", "en", "de"}


def test_truth_json_has_params_and_one_entry_per_effect(sim_files: SimulationResult) -> None:
    truth = json.loads(sim_files.paths["truth"].read_text(encoding="utf-8"))
    assert truth == sim_files.truth
    assert truth["as_of"] == "2026-01-01 00:00:00" and truth["start"] == "2024-01-01 00:00:00"
    assert truth["outcome_window"] == {"start": "2025-07-05 00:00:00", "end": "2026-01-01 00:00:00"}
    p = truth["params"]
    assert (p["bgnbd_r"], p["bgnbd_alpha"], p["bgnbd_a"], p["bgnbd_b"]) == (0.6, 6.0, 0.8, 4.0)
    assert (p["gg_p"], p["gg_q"], p["gg_gamma"]) == (6.0, 4.0, 20.0)
    assert (p["service_k"], p["pressure_k"], p["referral_k"], p["gratitude_h"]) == (
        2.5,
        4.0,
        4.0,
        0.5,
    )
    assert p["days"] == 731 and p["birth_days"] == 540 and p["holdout_share"] == 0.3
    assert list(truth["effects"]) == list(EFFECTS)
    for name, entry in truth["effects"].items():
        assert {"on", "value", "meaning", "null", "se", "method"} <= set(entry), name
        assert entry["on"] is True
        assert isinstance(entry["value"], float) and len(entry["meaning"]) > 80
        assert entry["method"] in ("exact", "monte_carlo")
    assert truth["orders_are_pure_process"] is False
    assert truth["monte_carlo"]["customers"] == MC_FAST


def test_unknown_effect_name_raises_input_error_listing_valid_names(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        simulate(tmp_path, customers=10, effects_off=("service_dropout", "no_such_effect"))
    message = str(err.value)
    assert "no_such_effect" in message
    assert all(name in message for name in EFFECTS)
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize(
    "kwargs",
    [{"customers": 0}, {"customers": "10"}, {"seed": -1}, {"customers": True}, {"mc_customers": 5}],
)
def test_bad_arguments_raise_input_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError, match="must be an integer"):
        simulate_tables(**kwargs)  # type: ignore[arg-type]


def test_output_path_that_is_a_file_raises_input_error(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        simulate(target, customers=5, mc_customers=MC_FAST)


@pytest.mark.parametrize("customers", [1, 2, 7])
def test_tiny_populations_still_give_every_table(customers: int) -> None:
    for seed in range(8):
        data = simulate_tables(customers=customers, seed=seed, mc_customers=MC_FAST)
        assert data.tables["customers"].num_rows == customers
        assert all(t.column_names == _columns(n) for n, t in data.tables.items())
