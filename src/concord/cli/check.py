"""`concord check`: run the quality suites, update exceptions, build Data Docs, print what was found.

Exit code 1 only when a check could not execute; failing rows (open exceptions) are a successful run.
"""

from __future__ import annotations

import typer

from concord.run_ids import manual_run_id


def check(
    run_id: str = typer.Option(None, "--run-id", help="Correlation id for this run (default: manual__<utc time>)."),
    suites: list[str] = typer.Option(None, "--suite", help="Run only this suite (repeatable; default: all)."),
) -> None:
    """Run the GX suites in expectations/ on the warehouse; open, refresh and resolve exceptions; build Data Docs."""
    from concord.quality.checkpoint import run_checks
    from concord.quality.errors import ChecksNotExecutedError

    run_id = run_id or manual_run_id()
    try:
        report = run_checks(None, run_id, suites or None)
    except ChecksNotExecutedError as exc:
        report = exc.report  # type: ignore[assignment]
    result, exc_summary = report.result, report.exceptions
    typer.echo(
        f"run {run_id}: {len(result.outcomes)} expectations in {result.seconds:.1f} s: "
        f"{len(result.passed)} passed, {len(result.failed)} failed, {len(result.errored)} could not run"
    )
    for outcome in result.failed:
        typer.echo(
            f"  failed  {outcome.spec.suite}.{outcome.spec.name} ({outcome.spec.qualified_table}): "
            f"{outcome.unexpected_count:,} of {outcome.element_count:,} rows, {outcome.spec.fault_class}, "
            f"policy {outcome.spec.policy}"
        )
    for outcome in result.errored:
        typer.secho(f"  error   {outcome.spec.suite}.{outcome.spec.name}: {outcome.error}", err=True, fg="red")
    typer.echo(
        f"exceptions: {exc_summary.opened} opened, {exc_summary.refreshed} refreshed, {exc_summary.reopened} "
        f"re-opened, {exc_summary.resolved} resolved, {exc_summary.retired} retired (expectation removed); "
        f"{report.open_exceptions} open; {report.blocked_keys} keys blocked from writebacks"
    )
    for failure in report.systemic:
        typer.echo(f"systemic: {failure.source} writebacks blocked ({failure.describe()})")
    if result.docs_index:
        typer.echo(f"data docs: {result.docs_index} (built in {result.docs_seconds:.1f} s)")
    else:
        typer.secho(f"data docs not built: {result.docs_error}", err=True, fg="yellow")
    if not report.succeeded:
        typer.secho(report.summary(), err=True, fg="red")
        raise typer.Exit(1)
    typer.echo(report.summary())
