"""`legame clv fit --covariates`: the JSON, the printed effects and the errors."""

from __future__ import annotations

import json

from .conftest import Built


def test_json_lists_every_covariate_effect(cli, planted: Built) -> None:
    result = cli(
        "clv",
        "fit",
        "--covariates",
        "acquisition_channel,poor_service",
        "--db",
        planted.db,
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["model"] == "bgnbd" and out["converged"] is True
    assert out["covariate_names"] == ["acquisition_channel", "poor_service"]
    assert out["baselines"] == {"acquisition_channel": "web"}
    assert {(c["name"], c["process"]) for c in out["covariates"]} == {
        *(
            (f"acquisition_channel={ch}", p)
            for ch in ("marketplace", "partner")
            for p in ("purchase", "dropout", "spend")
        ),
        ("poor_service", "dropout"),
    }
    assert "beta_purchase_acquisition_channel=marketplace" in out["params"]
    assert "beta_spend_acquisition_channel=marketplace" in out["spend_params"]


def test_the_table_and_the_sentences_are_printed(cli, planted: Built) -> None:
    result = cli("clv", "fit", "--covariates", "first_order_value", "--db", planted.db)
    assert result.exit_code == 0, result.output
    assert "first_order_value" in result.stdout
    assert "one standard deviation" in result.stdout


def test_an_unknown_name_lists_what_the_workspace_offers(cli, planted: Built) -> None:
    result = cli("clv", "fit", "--covariates", "countri,poor_service", "--db", planted.db)
    assert result.exit_code == 1
    message = str(result.exception)
    assert "Unknown covariate(s): countri" in message
    for offered in ("country", "acquisition_channel", "first_order_value", "nps_group"):
        assert offered in message


def test_covariates_need_bgnbd(cli, planted: Built) -> None:
    result = cli(
        "clv", "fit", "--model", "paretonbd", "--covariates", "country", "--db", planted.db
    )
    assert result.exit_code == 1
    assert "--covariates works with --model bgnbd" in str(result.exception)
