"""Docs don't drift: every experiments endpoint and command is in docs/experiments.md,
with the methods it names cited."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from legame.api.experiments import router
from legame.cli.experiment import experiment_app

DOC = (Path(__file__).resolve().parents[2] / "docs" / "experiments.md").read_text("utf-8")


def test_every_endpoint_is_documented() -> None:
    routes = [
        (method, f"/api/v1{route.path}")  # type: ignore[attr-defined]
        for route in router.routes
        for method in route.methods  # type: ignore[attr-defined]
    ]
    assert sorted(routes) == [("GET", "/api/v1/experiments"), ("GET", "/api/v1/experiments/plan")]
    for method, path in routes:
        assert f"| `{method} {path}` |" in DOC, (method, path)


def test_every_command_is_documented() -> None:
    group = typer.main.get_command(experiment_app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert names == ["plan", "results"]
    for name in names:
        assert re.search(rf"\| `legame experiment {name}` \|", DOC), name


def test_the_methods_are_named_and_cited() -> None:
    for citation in (
        "Chow, Shao and Wang",
        "§4.2",
        "Deng, Knoblich and Lu",
        "KDD 2018",
        "Deng, Xu, Kohavi and Walker",
        "WSDM 2013",
        "Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas",
        "Annals of Statistics",
        "Bonferroni",
    ):
        assert citation in DOC, citation
    assert "(preferences.md)" in DOC and "60 days" in DOC
