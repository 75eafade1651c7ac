"""`legame experiment plan|results` and `legame gestures results` as a user types them
(issue 20 items 1-5 and 8): what each prints, its JSON, and one clear error for a test
named wrongly or not named at all."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from legame.cli import run
from legame.cli._common import Terminal, client_terminal
from legame.engage.gratitude.plan import as_of, plan
from legame.experiments.plan import plan_trigger
from legame.policy import load_policy, policy_path_for
from legame.store import Workspace

INTERVALS = ("unadjusted", "cuped", "always_valid")


@pytest.fixture(autouse=True)
def _wide() -> Iterator[None]:
    """A terminal 250 columns wide, without colours: each table cell is one line."""
    token = client_terminal.set((Terminal(250), Terminal(250)))
    yield
    client_terminal.reset(token)


def _json(cli, *args: object) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _proposals(db: Path) -> tuple[Counter[str], dict[str, Any]]:
    """Each trigger's proposals in the gesture plan, and the library's plan of each."""
    with Workspace.open(db, read_only=True) as ws:
        policy = load_policy(policy_path_for(db))
        at = as_of(ws, None)
        counts = Counter(plan(ws, policy, at=at).column("trigger").to_pylist())
        plans = {
            t.name: plan_trigger(ws, policy, t.name, at=at, proposals=counts[t.name])
            for t in policy.gratitude.triggers
            if t.enabled
        }
    return counts, plans


# --- plan --------------------------------------------------------------------------------


def test_plan_json_has_the_mde_the_days_needed_and_the_eligible_volume(
    cli, surfaces_workspace: Path
) -> None:
    got = _json(
        cli,
        "experiment",
        "plan",
        "--trigger",
        "milestone_thanks",
        "--days",
        "365",
        "--effect",
        "0.1",
        "--db",
        surfaces_workspace,
    )
    assert {"mde", "mde_cuped", "mde_always_valid", "days_needed", "eligible_per_day"} <= set(got)
    assert got["kind"] == "trigger" and got["name"] == "milestone_thanks"
    assert got["metric"] == "repurchase" and got["holdout"] == 0.1 and got["days"] == 365
    assert got["eligible_per_day"] > 0 and got["volume_from"] == "gestures of the last 365 days"
    assert 0 < got["mde_cuped"] <= got["mde"] < got["mde_always_valid"]
    assert isinstance(got["days_needed"], int) and got["days_needed"] > 0
    with Workspace.open(surfaces_workspace, read_only=True) as ws:
        policy = load_policy(policy_path_for(surfaces_workspace))
        lib = plan_trigger(ws, policy, "milestone_thanks", at=as_of(ws, None), days=365, effect=0.1)
    assert got["mde"] == pytest.approx(lib["mde"]) and got["days_needed"] == lib["days_needed"]


def test_a_trigger_without_gestures_is_planned_from_its_current_proposals(
    cli, surfaces_workspace: Path
) -> None:
    """The command passes the trigger's rows of the current gesture plan: without them a
    trigger that never gave a gesture would plan on no volume at all."""
    counts, plans = _proposals(surfaces_workspace)
    fresh = [n for n, p in plans.items() if p["volume_from"] == "current proposals" and counts[n]]
    assert fresh, "the simulated business has a trigger with proposals but no gesture yet"
    for name in fresh:
        got = _json(cli, "experiment", "plan", "--trigger", name, "--db", surfaces_workspace)
        assert got["eligible_per_day"] > 0
        assert got["eligible_per_day"] == pytest.approx(plans[name]["eligible_per_day"])
        assert got["mde"] == pytest.approx(plans[name]["mde"])


def test_plan_text_names_each_mde_and_asks_for_an_effect(cli, surfaces_workspace: Path) -> None:
    result = cli("experiment", "plan", "--trigger", "fee_forgiveness", "--db", surfaces_workspace)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Plan of the gratitude trigger fee_forgiveness: repurchase, 10% held out, 90 days" in out
    for row in ("eligible per day", "MDE, fixed horizon", "MDE with CUPED", "MDE, always valid"):
        assert row in out, row
    assert "Name an effect with --effect to see the days needed to detect it." in out
    with_effect = cli(
        "experiment",
        "plan",
        "--trigger",
        "milestone_thanks",
        "--days",
        "365",
        "--effect",
        "0.1",
        "--db",
        surfaces_workspace,
    )
    assert "Days needed to detect 10.00 pp:" in with_effect.stdout


def test_a_contact_test_is_planned_on_its_first_arms_share(cli, surfaces_workspace: Path) -> None:
    got = _json(
        cli, "experiment", "plan", "--contact-test", "weekly_cap", "--db", surfaces_workspace
    )
    assert got["kind"] == "contact_test" and got["arms"] == ["low", "high"]
    assert got["holdout"] == 0.5 and got["metric"] == "unsubscribe"
    assert got["days"] == 92  # the test's own dates: June to August
    assert got["eligible"] > 1000 and got["mde"] > 0
    text = cli(
        "experiment", "plan", "--contact-test", "weekly_cap", "--db", surfaces_workspace
    ).stdout
    assert "Plan of the contact test weekly_cap: unsubscribe, 50% in the first arm (low)" in text
    assert "eligible customers" in text


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "(got neither)"),
        (("--trigger", "milestone_thanks", "--contact-test", "weekly_cap"), "(got both)"),
    ],
    ids=["neither", "both"],
)
def test_plan_wants_exactly_one_test_a_usage_error(
    cli, surfaces_workspace: Path, args: tuple[str, ...], said: str
) -> None:
    result = cli("experiment", "plan", *args, "--db", surfaces_workspace)
    assert result.exit_code == 2
    assert "name exactly one test to plan" in result.stderr and said in result.stderr
    assert "--trigger NAME" in result.stderr and "--contact-test NAME" in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--trigger", "nope"),
            "error: No gratitude trigger 'nope'; the policy's are: fee_forgiveness,",
        ),
        (("--contact-test", "nope"), "error: No contact test 'nope' in the policy"),
        (("--trigger", "milestone_thanks", "--metric", "clicks"), "error: --metric must be one of"),
        (("--trigger", "milestone_thanks", "--holdout", "1.5"), "error: --holdout must be between"),
    ],
    ids=["unknown-trigger", "unknown-test", "bad-metric", "bad-holdout"],
)
def test_a_wrong_name_or_value_is_one_red_line_and_exit_code_1(
    capsys: pytest.CaptureFixture[str], surfaces_workspace: Path, args: tuple[str, ...], said: str
) -> None:
    code = run(["experiment", "plan", *args, "--db", str(surfaces_workspace)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert said in err and "Traceback" not in err


# --- results -----------------------------------------------------------------------------


def test_results_json_carries_three_intervals_per_comparison(cli, surfaces_workspace: Path) -> None:
    got = _json(cli, "experiment", "results", "--db", surfaces_workspace)
    g = got["gratitude"]
    assert g["end"] == "2025-06-01" and g["fixed_horizon_valid"] is True
    assert g["margin_rate"] == 0.4
    rows = {r["trigger"]: r for r in g["by_trigger"]}
    assert "all" in rows and len(rows) >= 2
    for row in rows.values():
        assert set(row["comparisons"]) == {"retention", "revenue", "unsubscribe"}
        for comparison in row["comparisons"].values():
            assert set(INTERVALS) <= set(comparison) and "variance_reduction" in comparison
        assert row["verdict"] in ("supported", "not_supported", "contradicted", "insufficient_data")
        assert row["return"]["margin_rate"] == 0.4
        assert row["segments"]["adjustment"] == "bonferroni"
    every = rows["all"]
    assert every["treated"] > 0 and every["held_out"] > 0
    assert {"rfm_segment", "nps_group", "clv_tier"} <= set(every["segments"])
    (test,) = got["contact_tests"]
    assert test["test"] == "weekly_cap" and test["fixed_horizon_valid"] is True
    assert [a["arm"] for a in test["arms"]] == ["low", "high"]
    (comparison,) = test["comparisons"]
    assert comparison["arm"] == "high" and comparison["against"] == "low"
    for metric in ("unsubscribe", "complaint", "repurchase", "revenue"):
        assert set(INTERVALS) <= set(comparison[metric]) and "verdict" in comparison[metric]


def test_results_text_says_which_interval_is_valid_when(cli, surfaces_workspace: Path) -> None:
    result = cli("experiment", "results", "--db", surfaces_workspace)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for column in ("fixed horizon", "CUPED", "always valid", "variance reduction", "verdict"):
        assert column in out, column
    assert "Fixed horizon (unadjusted and CUPED): valid only when read once, at the" in out
    assert "The pre-registered end date (2025-06-01) is reached" in out
    assert "Always valid: a confidence sequence, valid at any look" in out
    assert "The program's return (margin at 40% of revenue)" in out
    assert "Bonferroni-adjusted" in out and "The CLV tier is measured after it" in out
    assert "Contact-frequency test weekly_cap (all, 2025-06-01 to 2025-09-01)" in out
    assert "all.per_7_days = 2" in out and "high − low" in out


def test_gestures_results_show_the_cuped_and_always_valid_retention(
    cli, surfaces_workspace: Path
) -> None:
    payload = _json(cli, "gestures", "results", "--db", surfaces_workspace)
    assert payload["end"] == "2025-06-01" and payload["fixed_horizon_valid"] is True
    pooled = payload["by_trigger"][0]
    assert pooled["trigger"] == "all"
    retention = pooled["comparisons"]["retention"]
    assert set(INTERVALS) <= set(retention)
    text = cli("gestures", "results", "--db", surfaces_workspace).stdout
    assert "retention, CUPED" in text and "retention, always valid" in text
    cuped = retention["cuped"]
    shown = (
        f"{100 * cuped['estimate']:+,.1f} pp "
        f"({100 * cuped['ci_low']:+,.1f} to {100 * cuped['ci_high']:+,.1f})"
    )
    assert shown in text
