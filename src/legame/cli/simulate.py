"""``legame simulate``: write demo data with planted, known effects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from legame.cli._common import JsonOption, console, print_json
from legame.words import counted


def simulate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write one CSV per table into.")],
    customers: Annotated[int, typer.Option(min=1, help="Number of customers.")] = 5000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed writes the same files.")
    ] = 0,
    no_effect: Annotated[
        list[str] | None,
        typer.Option("--no-effect", help="Switch a planted effect off (repeatable)."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Simulate ~2 years of a business; write the CSVs and truth.json (planted effects)."""
    from legame.simulate import simulate as run

    result = run(out, customers=customers, seed=seed, effects_off=tuple(no_effect or ()))
    if json:
        print_json(
            {
                "out": str(out),
                "files": [str(p) for p in result.paths.values()],
                "truth": result.truth,
            }
        )
        return
    console.print(f"Simulated {counted(customers, 'customer')} (seed {seed}) into {out}/")
    for table, path in result.paths.items():
        console.print(f"  {table:<17} {path}")


def register(app: typer.Typer) -> None:
    app.command()(simulate)
