"""`concord warehouse up|down|url|status|migrate`."""

from __future__ import annotations

import psycopg
import typer

from concord.errors import WarehouseError
from concord.warehouse.connection import configured_url, redact, warehouse_url
from concord.warehouse.embedded import EmbeddedCluster
from concord.warehouse.migrate import applied_versions, available_migrations, migrate

app = typer.Typer(help="The staging warehouse: the embedded PostgreSQL or CONCORD_WAREHOUSE_URL.", no_args_is_help=True)


@app.command()
def up() -> None:
    """Start the embedded warehouse (no-op when running or when CONCORD_WAREHOUSE_URL is set); migrate it."""
    url = warehouse_url()
    migrate(url)
    where = "configured server (CONCORD_WAREHOUSE_URL)" if configured_url() else "embedded cluster"
    typer.echo(f"warehouse up: {where} at {redact(url)}")


@app.command()
def down() -> None:
    """Stop the embedded warehouse (never touches a configured CONCORD_WAREHOUSE_URL server)."""
    if configured_url():
        typer.echo("CONCORD_WAREHOUSE_URL is set: that server is not Concord's to stop; nothing done.")
        return
    stopped = EmbeddedCluster().down()
    typer.echo("embedded warehouse stopped" if stopped else "embedded warehouse was not running")


@app.command()
def url() -> None:
    """Print the warehouse URL (starting the embedded cluster if needed)."""
    typer.echo(warehouse_url())


@app.command()
def status() -> None:
    """Say which warehouse is in use, whether it runs, and its migration level."""
    if configured_url():
        target = configured_url() or ""
        typer.echo(f"configured: {redact(target)}")
    else:
        st = EmbeddedCluster().status()
        state = "running" if st.running else ("stopped" if st.initialized else "not initialised")
        typer.echo(f"embedded: {state}" + (f" on port {st.port} ({st.url})" if st.running else "") + f", data {st.data_dir}")
        if not st.running:
            return
        target = st.url or ""
    try:
        versions = applied_versions(target)
    except psycopg.Error as exc:
        raise WarehouseError(f"The warehouse at {redact(target)} does not answer: {exc}") from exc
    latest = available_migrations()[-1].version
    typer.echo(f"migrations: {len(versions)} applied, latest {max(versions, default=0):04d} of {latest:04d}")


@app.command("migrate")
def migrate_cmd() -> None:
    """Apply pending `concord_meta` migrations."""
    target = warehouse_url()
    done = migrate(target)
    if done:
        for m in done:
            typer.echo(f"applied {m.version:04d}_{m.name}")
    else:
        typer.echo("concord_meta is up to date")
