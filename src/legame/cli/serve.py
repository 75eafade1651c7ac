"""``legame serve`` and ``legame keys``: the HTTP API and dashboard, and their API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table as RichTable

from legame.cli._common import DbOption, JsonOption, console, open_workspace, print_json

keys_app = typer.Typer(help="API keys for the HTTP API and the dashboard.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option("--role", help="viewer, analyst or admin.")],
    name: Annotated[str | None, typer.Option("--name", help="A label for the key.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Create an API key. The key is printed once: store it now."""
    from legame.store.keys import create_key

    with open_workspace(db) as ws:
        key, record = create_key(ws, role, name)
    if json:
        print_json({"key": key, "role": record.role, "name": record.name, "id": record.key_id})
        return
    console.print(
        f"{key}\n[dim]{record.role} key {record.key_id} ({record.name}); it is shown "
        "only now, and stored hashed.[/dim]"
    )


@keys_app.command("list")
def keys_list(db: DbOption = None, json: JsonOption = False) -> None:
    """List API keys (ids, names, roles; never the secrets)."""
    from legame.store.keys import list_keys

    with open_workspace(db, read_only=True) as ws:
        keys = list_keys(ws)
    rows = [
        {
            "id": k.key_id,
            "name": k.name,
            "role": k.role,
            "created_at": k.created_at,
            "revoked_at": k.revoked_at,
        }
        for k in keys
    ]
    if json:
        print_json(rows)
        return
    table = RichTable(title="API keys")
    for column in ("id", "name", "role", "created_at", "revoked_at"):
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (or the whole key).")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Revoke an API key: it stops working at once."""
    from legame.store.keys import revoke_key

    with open_workspace(db) as ws:
        record = revoke_key(ws, key_id)
    if json:
        print_json({"id": record.key_id, "revoked_at": record.revoked_at})
    else:
        console.print(f"Revoked key {record.key_id} ({record.name}).")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the HTTP API (/api/v1, OpenAPI at /openapi.json) and the dashboard (/)."""
    import uvicorn

    from legame.api.app import create_app
    from legame.cli import local

    with open_workspace(db) as ws:  # fail here, clearly, if there is no workspace
        path = ws.path
    console.print(f"legame serving {path} on http://{host}:{port}/ (API docs at /docs)")
    app = create_app(path, warm=True)
    # Read-only commands run through the server meanwhile (legame.cli.local).
    local.install(app, url=local_url(host, port))
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def local_url(host: str, port: int) -> str:
    """Where a client on this machine reaches a server listening on ``host``:``port``."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.command()(serve)
