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
    run_id: str = typer.Option(None, "--run-id", help="Correlation id for the run ledger (default: manual__<utc time>)."),
) -> None:
    """`dbt build`: seeds, models and their tests; fails when a model or an error-severity test fails."""
    from concord.transform.runner import build as run_build

    result = run_build(select=select, full_refresh=full_refresh, hourly=hourly, threads=threads, echo=True,
                       run_id=run_id)
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


@app.command()
def manifest(force: bool = typer.Option(False, "--force", help="Rebuild even if the project did not change.")) -> None:
    """`dbt parse` into the manifest the Airflow DAGs render from (only when the dbt project changed)."""
    from concord.transform.manifest import ensure_manifest, manifest_path

    built = ensure_manifest(force=force)
    typer.echo(f"dbt manifest {'built' if built else 'up to date'}: {manifest_path()}")
