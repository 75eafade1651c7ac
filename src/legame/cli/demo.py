"""``legame demo``: the whole product on simulated data, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from legame.cli._common import JsonOption, console, err_console, print_json
from legame.words import counted


def demo(
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder for the demo's data and outputs.")
    ] = Path("legame-demo"),
    customers: Annotated[
        int, typer.Option("--customers", min=100, help="Customers to simulate.")
    ] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed of the simulation.")] = 0,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Workspace file to (re)create (default: DIR/legame.duckdb)."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Simulate a business, load it into a fresh workspace and run every stage."""
    from legame.demo import run_demo

    with Progress(
        TextColumn("[bold]{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=json,
    ) as bar:
        tasks: list[TaskID] = []

        def on_stage(name: str, steps: int) -> None:
            tasks.append(bar.add_task(name, total=steps))

        result = run_demo(
            folder,
            customers=customers,
            seed=seed,
            on_stage=on_stage,
            on_step=lambda: bar.advance(tasks[-1]),
        )
    s = result.summary
    if json:
        print_json(
            {
                "folder": str(result.folder),
                "db": str(result.db),
                "data": str(result.data),
                "loaded": result.loaded,
                "rejected": result.rejected,
                "stages_s": {k: round(v, 2) for k, v in result.stages.items()},
                "findings": result.findings,
                "report": str(result.report),
                **s,
            }
        )
        return
    nps = s["nps"]
    loaded = ", ".join(f"{n:,} {t}" for t, n in result.loaded.items())
    console.print(f"\n[bold]legame demo[/bold]: {customers:,} simulated customers (seed {seed})")
    console.print(f"Loaded {loaded}; {counted(result.rejected, 'row')} rejected.")
    console.print(
        f"NPS {nps['nps']:+.1f} (95% interval {nps['ci_low']:+.1f} to {nps['ci_high']:+.1f}, "
        f"n = {nps['n']:,})."
    )
    p = s["params"]
    console.print(
        f"BG/NBD r={p['r']:.3f} alpha={p['alpha']:.3f} a={p['a']:.3f} b={p['b']:.3f}; "
        f"expected CLV over the next year {s['total_clv']:,.0f}; value at risk "
        f"{s['value_at_risk'] or 0:,.0f} ({s['high_risk_customers']:,} high-risk customers' "
        "last-12-month revenue)."
    )
    console.print("\n[bold]Findings[/bold]: the seed articles' claims, tested on this data")
    for f in result.findings:
        colour = _COLOURS.get(f["verdict"], "white")
        console.print(f"  [{colour}]{f['verdict']:<17}[/{colour}] {f['id']}: {f['summary']}")
    console.print(f"\nReport (one file, opens offline): {result.report}")
    console.print(
        f"Workspace: {result.db}   data: {result.data}/   took {sum(result.stages.values()):.1f} s"
    )
    console.print(
        f"Next: legame serve --db {result.db} (dashboard at http://127.0.0.1:8000/, sign in "
        f"with a key from `legame keys create --role admin --db {result.db}`)"
    )


_COLOURS = {
    "supported": "green",
    "contradicted": "red",
    "not_supported": "yellow",
    "insufficient_data": "dim",
}


def register(app: typer.Typer) -> None:
    app.command()(demo)
