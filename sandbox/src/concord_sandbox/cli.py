"""`concord sandbox …`: seed, truth, advance, serve/stop/status, tap-config and faults."""

from __future__ import annotations

import sys

import orjson
import typer
from rich.console import Console
from rich.table import Table

from concord_sandbox import daemon, tap_configs
from concord_sandbox.activity import advance as run_advance
from concord_sandbox.apis import DEFAULT_HOST, DEFAULT_PORTS, default_host, default_port
from concord_sandbox.errors import InvalidOptionError, ServerError
from concord_sandbox.faults import API_NAMES, clear_faults, load_faults, parse_faults, save_faults
from concord_sandbox.inconsistencies import CLASSES, parse_rates
from concord_sandbox.paths import database_path, sandbox_dir
from concord_sandbox.seed import DEFAULT_START, SCALES, seed_company
from concord_sandbox.server import LOG_FILE
from concord_sandbox.store import Store
from concord_sandbox.timefmt import parse_iso
from concord_sandbox.truth import list_truth

app = typer.Typer(
    help="The simulated company: seed it, serve its APIs, advance its clock, read the ground truth.",
    no_args_is_help=True,
)


@app.command()
def seed(
    scale: str = typer.Option(
        "small", help=f"Company size: {', '.join(f'{k} ≈ {v:,} accounts' for k, v in SCALES.items())}."
    ),
    seed_: int = typer.Option(1, "--seed", help="Random seed; the same seed gives byte-identical data."),
    start: str = typer.Option(DEFAULT_START, help="Simulated start time (ISO-8601, UTC)."),
    rates: str = typer.Option("", help="Planting rates as CLASS=RATE,… over the defaults."),
) -> None:
    """Generate the company into the sandbox database (replacing what was there) and set the clock to START."""
    if daemon.running_info(sandbox_dir()) is not None:
        raise ServerError(
            "The sandbox server is running on the current database; run `concord sandbox stop` "
            "before seeding a new company."
        )
    result = seed_company(database_path(), scale, seed_, parse_iso(start), parse_rates(rates))
    rows = sum(result.counts.values())
    typer.echo(
        f"seeded {scale} (seed {seed_}) at {start}: {rows:,} rows, {result.planted:,} planted instances "
        f"in {result.seconds:.1f} s → {result.path}"
    )


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
        sys.stdout.write(
            orjson.dumps([r.as_json() for r in records], option=orjson.OPT_INDENT_2).decode() + "\n"
        )
        return
    table = Table("instance", "class", "keys", "planted at", "repaired at", box=None)
    for r in records:
        keys = "; ".join(
            f"{system}.{obj}={','.join(map(str, vals))}"
            for system, objs in r.keys.items()
            for obj, vals in objs.items()
        )
        table.add_row(r.instance_id, r.cls, keys, r.planted_at, r.repaired_at or "")
    Console(width=200).print(table)
    open_n = sum(1 for r in records if r.repaired_at is None)
    typer.echo(
        f"{len(records)} planted instances, {open_n} open, {len(records) - open_n} repaired "
        f"(clock {store.now_iso()})"
    )


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
    typer.echo(
        f"clock {report.started} → {report.ended}: {changed:,} rows changed, "
        f"{sum(report.planted.values())} instances planted in {report.seconds:.1f} s"
    )
    for name, n in sorted(report.activity.items()):
        typer.echo(f"  {name}: {n}")


def _ports(overrides: dict[str, int | None]) -> dict[str, int]:
    return {name: overrides.get(name) or default_port(name) for name in DEFAULT_PORTS}


_PORT_HELP = "Port for the {} API (default {}; env CONCORD_SANDBOX_{}_PORT)."


@app.command()
def serve(
    host: str = typer.Option(
        None, help=f"Address to bind (default {DEFAULT_HOST}; env CONCORD_SANDBOX_HOST)."
    ),
    control_port: int = typer.Option(None, help=_PORT_HELP.format("control", 8700, "CONTROL")),
    salesforce_port: int = typer.Option(None, help=_PORT_HELP.format("Salesforce", 8701, "SALESFORCE")),
    stripe_port: int = typer.Option(None, help=_PORT_HELP.format("Stripe", 8702, "STRIPE")),
    netsuite_port: int = typer.Option(None, help=_PORT_HELP.format("NetSuite", 8703, "NETSUITE")),
    faults: str = typer.Option(
        "", help="Fault injection, e.g. 'stripe:429=0.05,500=0.02;netsuite:latency=0.1'."
    ),
) -> None:
    """Start the control API and every built API emulator in the background (PID and log file in the sandbox dir)."""
    ports = _ports(
        {
            "control": control_port,
            "salesforce": salesforce_port,
            "stripe": stripe_port,
            "netsuite": netsuite_port,
        }
    )
    info = daemon.start(sandbox_dir(), host or default_host(), ports, faults)
    typer.echo(f"sandbox serving (PID {info['pid']}, log {sandbox_dir() / LOG_FILE}):")
    for name, url in dict(info["apis"]).items():  # type: ignore[call-overload]
        typer.echo(f"  {name:<11} {url or 'not built'}")


@app.command()
def stop() -> None:
    """Stop the background server."""
    typer.echo("sandbox stopped" if daemon.stop(sandbox_dir()) else "sandbox was not running")


@app.command()
def status() -> None:
    """One line per API: name, base URL and health (or `not built`, `stopped`)."""
    for line in daemon.status(sandbox_dir(), default_host(), _ports({})):
        typer.echo(line.line())


@app.command("tap-config")
def tap_config(api: str = typer.Argument(..., help="salesforce, stripe or netsuite")) -> None:
    """Print a ready tap config (base URL, credentials) for the running sandbox, as JSON."""
    config, running = tap_configs.tap_config(api)
    if not running:
        typer.secho(
            "warning: the sandbox is not running; the URL is where `concord sandbox serve` will put it",
            err=True,
            fg="yellow",
        )
    sys.stdout.write(orjson.dumps(config, option=orjson.OPT_INDENT_2).decode() + "\n")


faults_app = typer.Typer(
    help="HTTP fault injection per API (off by default); a running server picks changes up.",
    no_args_is_help=True,
)
app.add_typer(faults_app, name="faults")


@faults_app.command("set")
def faults_set(
    spec: str = typer.Argument(..., help="e.g. 'stripe:429=0.05,500=0.02,retry_after=2;netsuite:reset=0.01'"),
) -> None:
    """Set fault rates for the named APIs (replacing their previous settings)."""
    configs = parse_faults(spec)
    store = _store()
    with store.transaction() as conn:
        save_faults(conn, configs)
    for api, config in configs.items():
        typer.echo(f"{api}: {config.describe()}")


@faults_app.command("show")
def faults_show() -> None:
    """Show the fault configuration per API."""
    store = _store()
    with store.lock:
        configs = load_faults(store.conn)
    for api in API_NAMES:
        typer.echo(f"{api}: {configs[api].describe() if api in configs else 'off'}")


@faults_app.command("clear")
def faults_clear(api: str = typer.Argument(None, help="One API; all when omitted.")) -> None:
    """Turn fault injection off."""
    if api is not None and api not in API_NAMES:
        raise InvalidOptionError("API", api, f"expected one of {', '.join(API_NAMES)}")
    store = _store()
    with store.transaction() as conn:
        clear_faults(conn, api)
    typer.echo(f"faults off for {api or 'all APIs'}")
