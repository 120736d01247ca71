"""`concord sandbox …`: seed, truth, advance, serve/stop/status, tap-config and faults."""

from __future__ import annotations

import sys

import orjson
import typer
from rich.console import Console
from rich.table import Table

from concord_sandbox.activity import advance as run_advance
from concord_sandbox.errors import InvalidOptionError
from concord_sandbox.inconsistencies import CLASSES, parse_rates
from concord_sandbox.paths import database_path
from concord_sandbox.seed import DEFAULT_START, SCALES, seed_company
from concord_sandbox.store import Store
from concord_sandbox.timefmt import parse_iso
from concord_sandbox.truth import list_truth

app = typer.Typer(help="The simulated company: seed it, serve its APIs, advance its clock, read the ground truth.",
                  no_args_is_help=True)


@app.command()
def seed(
    scale: str = typer.Option("small", help=f"Company size: {', '.join(f'{k} ≈ {v:,} accounts' for k, v in SCALES.items())}."),
    seed_: int = typer.Option(1, "--seed", help="Random seed; the same seed gives byte-identical data."),
    start: str = typer.Option(DEFAULT_START, help="Simulated start time (ISO-8601, UTC)."),
    rates: str = typer.Option("", help="Planting rates as CLASS=RATE,… over the defaults."),
) -> None:
    """Generate the company into the sandbox database (replacing what was there) and set the clock to START."""
    result = seed_company(database_path(), scale, seed_, parse_iso(start), parse_rates(rates))
    rows = sum(result.counts.values())
    typer.echo(f"seeded {scale} (seed {seed_}) at {start}: {rows:,} rows, {result.planted:,} planted instances "
               f"in {result.seconds:.1f} s → {result.path}")


def _store() -> Store:
    return Store(database_path())


@app.command()
def truth(
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one array) instead of a table."),
    cls: str = typer.Option("", "--class", help="Only this inconsistency class."),
    open_only: bool = typer.Option(False, "--open", help="Only instances not yet repaired."),
) -> None:
    """List every planted inconsistency: class, keys per system, planted at, repaired at."""
    if cls and cls not in CLASSES:
        raise InvalidOptionError("--class", cls, f"expected one of {', '.join(CLASSES)}")
    store = _store()
    with store.lock:
        records = list_truth(store.conn, cls or None, open_only)
    if as_json:
        sys.stdout.write(orjson.dumps([r.as_json() for r in records], option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table("instance", "class", "keys", "planted at", "repaired at", box=None)
    for r in records:
        keys = "; ".join(f"{system}.{obj}={','.join(map(str, vals))}" for system, objs in r.keys.items()
                         for obj, vals in objs.items())
        table.add_row(r.instance_id, r.cls, keys, r.planted_at, r.repaired_at or "")
    Console(width=200).print(table)
    open_n = sum(1 for r in records if r.repaired_at is None)
    typer.echo(f"{len(records)} planted instances, {open_n} open, {len(records) - open_n} repaired "
               f"(clock {store.now_iso()})")


@app.command()
def advance(
    hours: float = typer.Option(..., "--hours", help="Simulated hours of activity to generate."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Move the simulated clock forward, generating activity in all three systems."""
    report = run_advance(_store(), hours)
    if as_json:
        sys.stdout.write(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    changed = sum(report.inserted.values()) + sum(report.updated.values()) + sum(report.deleted.values())
    typer.echo(f"clock {report.started} → {report.ended}: {changed:,} rows changed, "
               f"{sum(report.planted.values())} instances planted in {report.seconds:.1f} s")
    for name, n in sorted(report.activity.items()):
        typer.echo(f"  {name}: {n}")
