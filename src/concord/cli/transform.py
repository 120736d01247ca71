"""`concord transform build|docs|freshness|run-dbt`: dbt against the warehouse."""

from __future__ import annotations

import typer

app = typer.Typer(help="Build the dbt project (staging → intermediate → marts) in the warehouse.", no_args_is_help=True)


@app.command()
def build(
    select: str = typer.Option(None, "--select", "-s", help="dbt node selection (default: everything)."),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Rebuild incremental models from scratch."),
    hourly: bool = typer.Option(
        False,
        "--hourly",
        help="Scheduled run: the `hourly` selector (tables, incremental models, their tests) when the last complete "
        "build ran this code; else a complete build.",
    ),
    threads: int = typer.Option(4, "--threads", help="dbt threads."),
) -> None:
    """`dbt build`: seeds, models and their tests; fails when a model or an error-severity test fails."""
    from concord.transform.runner import build as run_build

    result = run_build(select=select, full_refresh=full_refresh, hourly=hourly, threads=threads, echo=True)
    typer.echo(f"dbt {' '.join(result.args)} finished in {result.seconds:.1f} s")


@app.command()
def docs() -> None:
    """`dbt docs generate`: the catalog and manifest for the docs site (under .concord/dbt/<database>)."""
    from concord.transform.runner import run_dbt

    result = run_dbt(["docs", "generate"], echo=True)
    typer.echo(f"dbt docs generated in {result.seconds:.1f} s")


@app.command()
def freshness() -> None:
    """`dbt source freshness`: sync latency per raw table against the sources' thresholds."""
    from concord.transform.runner import run_dbt

    run_dbt(["source", "freshness"], echo=True)
