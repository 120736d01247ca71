"""`concord sandbox …`: seed, truth, advance, serve/stop/status, tap-config and faults."""

from __future__ import annotations

import typer

from concord_sandbox.inconsistencies import parse_rates
from concord_sandbox.paths import database_path
from concord_sandbox.seed import DEFAULT_START, SCALES, seed_company
from concord_sandbox.timefmt import parse_iso

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
