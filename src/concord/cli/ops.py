"""`concord status`, `concord trace`, `concord report`: the operations view of the warehouse."""

from __future__ import annotations

from pathlib import Path

import typer


def status(
    runs: int = typer.Option(5, "--runs", help="How many of the latest runs to list."),
) -> None:
    """Last runs, freshness per stream against its SLA, open exceptions by class and age, writeback outcomes,
    quarantine size. Exit code 1 when a stream is past its SLA."""
    from concord.observability.status import collect_status, render_status

    result = collect_status(runs=runs)
    typer.echo(render_status(result))
    raise typer.Exit(result.exit_code)


def trace(
    source: str = typer.Argument(..., help="The system the id belongs to: salesforce, stripe or netsuite."),
    object_id: str = typer.Argument(..., help="The object's id in that system (e.g. in_…, 001…, 1234)."),
) -> None:
    """One business object's path: extraction, canonical rows, checks and exceptions, writebacks.
    Exit code 1 when the id is found nowhere."""
    from concord.observability.trace import render_trace, trace_object

    result = trace_object(source, object_id)
    typer.echo(render_trace(result))
    if not result.found:
        typer.secho(f"{source} {object_id} is not in the warehouse", err=True, fg="red")
        raise typer.Exit(1)


def report(
    out: Path = typer.Option(None, "--out", help="Folder to write index.html into (default .concord/report)."),
) -> None:
    """A static HTML integration-health report from the ops marts (build them first: `concord transform
    build`); prints the path of its index.html."""
    from concord.observability.report import build_report

    typer.echo(build_report(out_dir=out))
