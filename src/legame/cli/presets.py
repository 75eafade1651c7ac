"""``legame presets list|show NAME``: the tools' exports legame reads with no flags."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from legame.cli._common import DbOption, JsonOption, console, print_json
from legame.ingest.presets import Catalog, Preset, workspace_folder
from legame.store import resolve_db

app = typer.Typer(
    help="The presets: tools' exports (Shopify, Mailchimp, ...) read with no other flag.",
    no_args_is_help=True,
)


def _catalog(db: DbOption) -> tuple[Catalog, str]:
    """legame's presets and the workspace folder's: the folder is beside the workspace's
    file, which need not exist yet (presets can be read before the first import)."""
    path = resolve_db(db)
    return Catalog.for_workspace(path), str(workspace_folder(path))


@app.command("list")
def list_presets(db: DbOption = None, json: JsonOption = False) -> None:
    """List the presets: legame's own and the workspace's (its presets folder)."""
    catalog, folder = _catalog(db)
    presets = catalog.all()
    if json:
        print_json({"presets": [_summary(p) for p in presets], "workspace_folder": folder})
        return
    for preset in presets:
        exports = ", ".join(f"{e.name} → {e.table}" for e in preset.exports.values())
        mine = " (workspace)" if preset.origin == "workspace" else ""
        console.print(
            f"[bold]{preset.name}[/bold]{mine}: {escape(preset.vendor)}: {escape(exports)}"
        )
    console.print(f"Your own presets go in {escape(folder)}/NAME.toml (docs/presets.md).")


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The preset, e.g. shopify.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show one preset: its exports, their columns per language, transforms and consents."""
    catalog, _ = _catalog(db)
    preset = catalog.get(name)
    if json:
        print_json(_details(preset))
        return
    console.print(
        f"[bold]{preset.name}[/bold]: {escape(preset.vendor)} ({escape(str(preset.path))})"
    )
    for url in preset.source:
        console.print(f"  source: {escape(url)}")
    if preset.notes:
        console.print(f"  {escape(preset.notes)}", soft_wrap=True)
    for export in preset.exports.values():
        console.print(f"\n[bold]{export.name}[/bold] → {export.table}: {escape(export.title)}")
        console.print(f"  recognised by: {', '.join(export.require)}")
        for column in export.columns:
            names = "; ".join(
                f"{lang}: {' | '.join(n)}" if lang != "*" else " | ".join(n)
                for lang, n in column.aliases.items()
            )
            console.print(f"  {column.key:<22} {escape(names)}", soft_wrap=True)
        for step in export.steps:
            console.print(f"  transform {escape(step.describe())}", soft_wrap=True)
        for consent in export.consents:
            console.print(f"  consent {escape(consent.describe())}", soft_wrap=True)


def _summary(preset: Preset) -> dict[str, object]:
    return {
        "name": preset.name,
        "vendor": preset.vendor,
        "origin": preset.origin,
        "path": str(preset.path),
        "exports": {e.name: e.table for e in preset.exports.values()},
    }


def _details(preset: Preset) -> dict[str, object]:
    return {
        **_summary(preset),
        "source": list(preset.source),
        "notes": preset.notes,
        "exports": {
            e.name: {
                "table": e.table,
                "title": e.title,
                "require": list(e.require),
                "columns": {c.key: {k: list(v) for k, v in c.aliases.items()} for c in e.columns},
                "transforms": [s.describe() for s in e.steps],
                "consents": [c.describe() for c in e.consents],
            }
            for e in preset.exports.values()
        },
    }


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="presets")
