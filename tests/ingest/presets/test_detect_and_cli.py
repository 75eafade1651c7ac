"""Recognising an export by its header, user presets, and the commands that use them."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.errors import InputError
from legame.ingest.presets import Catalog
from legame.ingest.presets.detect import best, detect
from legame.ingest.readers import open_source
from legame.store import Workspace
from legame.store.keys import create_key
from tests.conftest import run_legame
from tests.ingest.presets.helpers import EXPORTS, rows


def test_ingest_with_no_table_recognises_the_export_and_says_which_preset(cli, db) -> None:
    result = cli("ingest", EXPORTS / "zendesk/tickets_it.csv", "--db", db)
    assert result.exit_code == 0, result.output
    assert "preset zendesk" in result.stderr and "headers in it" in result.stderr
    assert "into tickets" in result.stderr and "2 inserted" in result.stdout
    with Workspace.open(db) as ws:
        assert ws.count("tickets") == 2


def test_files_of_several_tools_load_each_into_its_table(cli, db) -> None:
    result = cli(
        "ingest",
        EXPORTS / "shopify/orders_en.csv",
        EXPORTS / "mailchimp/cleaned_es.csv",
        "--db",
        db,
    )
    assert result.exit_code == 0, result.output
    assert "orders: 5 rows" in result.stdout and "customers: 1 row" in result.stdout
    assert result.stdout.count("consents:") == 2


def test_an_unknown_file_with_no_table_is_still_a_usage_error_asking_for_the_table(
    cli, db, write
) -> None:
    path = write("plain.csv", "a,b\n1,2\n")
    result = cli("ingest", path, "--db", db)
    assert result.exit_code == 2
    assert "name the table" in result.output and "--preset" in result.output


def test_a_header_two_presets_fit_asks_for_preset(cli, db) -> None:
    mine = db.parent / "presets"
    mine.mkdir()
    shutil.copy(
        EXPORTS.parents[2] / "src/legame/ingest/presets/zendesk.toml", mine / "helpdesk.toml"
    )
    result = cli("ingest", EXPORTS / "zendesk/tickets_en.csv", "--db", db)
    assert isinstance(result.exception, InputError)  # `legame` prints it in red, exit 1
    assert "fits 2 presets" in str(result.exception)
    assert "--preset NAME" in str(result.exception)
    chosen = cli("ingest", EXPORTS / "zendesk/tickets_en.csv", "--preset", "helpdesk", "--db", db)
    assert chosen.exit_code == 0, chosen.output
    assert "preset helpdesk" in chosen.stderr


def test_a_workspace_preset_replaces_ours_and_is_listed(cli, db) -> None:
    mine = db.parent / "presets"
    mine.mkdir()
    text = (EXPORTS.parents[2] / "src/legame/ingest/presets/zendesk.toml").read_text("utf-8")
    (mine / "zendesk.toml").write_text(text.replace('vendor = "Zendesk"', 'vendor = "Our Zendesk"'))
    listed = json.loads(cli("presets", "list", "--db", db, "--json").stdout)
    zendesk = next(p for p in listed["presets"] if p["name"] == "zendesk")
    assert (zendesk["vendor"], zendesk["origin"]) == ("Our Zendesk", "workspace")
    assert {p["name"] for p in listed["presets"]} >= {"shopify", "mailchimp", "google-forms"}


def test_a_malformed_user_preset_is_an_error_naming_the_file_and_the_key(cli, db) -> None:
    mine = db.parent / "presets"
    mine.mkdir()
    (mine / "shop.toml").write_text(
        'vendor = "Shop"\nsource = "https://example.com/docs"\n'
        '[exports.orders]\ntable = "orders"\nrequire = ["order_id"]\n'
        '[exports.orders.columns]\norder_id = "Number"\ncustomer_id = "Client"\n'
        'ordered_at = "Date"\namount = "Total"\n'
        '[[exports.orders.transforms]]\nkind = "collapse_rows"\nkee = "order_id"\n',
        encoding="utf-8",
    )
    result = run_legame("presets", "show", "shop", "--db", db)
    assert result.returncode == 1
    assert "shop.toml" in result.stderr
    assert "key exports.orders.transforms[1].kee: unknown key" in result.stderr


def test_presets_show_prints_columns_transforms_and_consents(cli, db) -> None:
    result = cli("presets", "show", "shopify", "--db", db)
    assert result.exit_code == 0, result.output
    for text in ("Financial Status", "collapse_rows", "map_values", "email_key", "consent email"):
        assert text in result.stdout, text
    details = json.loads(cli("presets", "show", "mailchimp", "--db", db, "--json").stdout)
    assert details["exports"]["audience"]["columns"]["email"]["it"] == [
        "Indirizzo email",
        "Indirizzo e-mail",
    ]
    assert details["source"][0].startswith("https://mailchimp.com/")


def test_the_api_loads_an_upload_through_a_preset(db) -> None:
    with Workspace.open(db) as ws:
        headers = {"Authorization": f"Bearer {create_key(ws, 'admin')[0]}"}
    data = (EXPORTS / "mailchimp/subscribed_en.csv").read_bytes()
    with TestClient(create_app(db)) as client:
        response = client.post(
            "/api/v1/ingest/customers",
            headers=headers,
            params={"preset": "mailchimp"},
            files={"file": ("audience.csv", io.BytesIO(data), "text/csv")},
        )
        unknown = client.post(
            "/api/v1/ingest/customers",
            headers=headers,
            params={"preset": "nope"},
            files={"file": ("audience.csv", io.BytesIO(data), "text/csv")},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["inserted"] == 2 and body["files"][0]["preset"] == "mailchimp/audience"
    assert body["files"][0]["also"][0]["table"] == "consents"
    assert unknown.status_code == 422 and "Unknown preset 'nope'" in unknown.text
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT source_file FROM batches")[0]["source_file"] == "audience.csv"


# Each sample of the WooCommerce, PrestaShop, Brevo, Freshdesk and Typeform presets: the
# export, the header language and the table `legame ingest FILE` recognises it as.
RECOGNISED = {
    "woocommerce/orders_en.csv": ("woocommerce", "en", "orders"),
    "woocommerce/orders_it.csv": ("woocommerce", "it", "orders"),
    "woocommerce/orders_es.csv": ("woocommerce", "es", "orders"),
    "woocommerce/analytics_en.csv": ("woocommerce", "en", "orders"),
    "woocommerce/analytics_it.csv": ("woocommerce", "it", "orders"),
    "woocommerce/analytics_es.csv": ("woocommerce", "es", "orders"),
    "prestashop/orders_en.csv": ("prestashop", "en", "orders"),
    "prestashop/orders_it.csv": ("prestashop", "it", "orders"),
    "prestashop/orders_es.csv": ("prestashop", "es", "orders"),
    "prestashop/customers_en.csv": ("prestashop", "en", "customers"),
    "prestashop/customers_it.csv": ("prestashop", "it", "customers"),
    "prestashop/customers_es.csv": ("prestashop", "es", "customers"),
    "brevo/contacts_en.csv": ("brevo", "en", "customers"),
    "brevo/contacts_it.csv": ("brevo", "it", "customers"),
    "brevo/contacts_es.csv": ("brevo", "es", "customers"),
    "freshdesk/tickets_en.csv": ("freshdesk", "en", "tickets"),
    "freshdesk/tickets_it.csv": ("freshdesk", "it", "tickets"),
    "freshdesk/tickets_es.csv": ("freshdesk", "es", "tickets"),
    "typeform/responses_en.csv": ("typeform", "en", "survey_responses"),
    "typeform/responses_it.csv": ("typeform", "en", "survey_responses"),
    "typeform/responses_es.csv": ("typeform", "en", "survey_responses"),
}


@pytest.mark.parametrize("sample", sorted(RECOGNISED))
def test_ingest_with_no_table_recognises_each_tools_export(cli, db, sample) -> None:
    preset, language, table = RECOGNISED[sample]
    result = cli("ingest", EXPORTS / sample, "--db", db)
    assert result.exit_code == 0, result.output
    assert f"preset {preset}, headers in {language}" in result.stderr
    assert f"into {table}." in result.stderr
    with Workspace.open(db) as ws:
        assert ws.count(table) > 0


def test_every_sample_export_fits_exactly_its_own_preset() -> None:
    """No two of our presets fit one of our samples (else `legame ingest FILE` would ask
    for --preset); the one that fits is the sample's own."""
    catalog = Catalog.for_workspace(None)
    presets = catalog.all()
    samples = sorted(EXPORTS.rglob("*.csv"))
    assert len(samples) >= len(RECOGNISED) + 11
    for path in samples:
        headers = open_source(path, delimiter=None, encoding=None).columns
        fitting = [p.name for p in presets if best(p, headers, {}, None)]
        assert fitting == [path.parent.name], (path.name, fitting)
        found = detect(catalog, headers, str(path))
        assert found is not None and found.preset.name == path.parent.name


def test_presets_list_needs_no_workspace_yet(tmp_path) -> None:
    """A new user reads the presets before the first import: no workspace file exists."""
    result = run_legame("presets", "list", "--db", tmp_path / "new.duckdb")
    assert result.returncode == 0, result.stderr
    for name in ("shopify", "woocommerce", "prestashop", "mailchimp", "brevo", "zendesk"):
        assert name in result.stdout
    assert not (tmp_path / "new.duckdb").exists()
