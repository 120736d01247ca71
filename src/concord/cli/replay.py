"""`concord replay quarantine --source S [--stream X]`: re-process quarantined records after a fix.
`concord replay --writebacks DEST`: re-send the writebacks dead-lettered for DEST after a fix."""

from __future__ import annotations

import typer

from concord.warehouse.connection import ready_url

app = typer.Typer(help="Re-process records the loader quarantined, or re-send dead-lettered writebacks.",
                  invoke_without_command=True)


@app.callback()
def replay_root(
    ctx: typer.Context,
    writebacks: list[str] = typer.Option(None, "--writebacks", help="Re-send the dead-lettered writebacks of "
                                                                    "this destination (salesforce, netsuite, stripe)."),
    run_id: str = typer.Option(None, "--run-id", help="Correlation id (default: replay__<utc time>)."),
) -> None:
    """Replay quarantined records (`quarantine`) or dead-lettered writebacks (`--writebacks DEST`)."""
    if ctx.invoked_subcommand is not None:
        return
    if not writebacks:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    from datetime import UTC, datetime

    from concord.cli.writeback import render
    from concord.writeback.runner import destination_name, run_writebacks

    run_id = run_id or f"replay__{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
    for name in writebacks:
        typer.echo(render(run_writebacks(destination_name(name), run_id, replay=True)))


@app.command("quarantine")
def quarantine_cmd(
    source: str = typer.Option(..., "--source", help="The source whose quarantined records to replay (e.g. stripe)."),
    stream: str | None = typer.Option(None, "--stream", help="Only this stream."),
    max_value_bytes: int | None = typer.Option(None, "--max-value-bytes", help="Size limit per value (default 16 MiB)."),
) -> None:
    """Load unresolved quarantined records through the loader against the tables as they are now."""
    from concord.loader.config import DEFAULT_MAX_VALUE_BYTES
    from concord.loader.replay import replay_quarantine

    summary = replay_quarantine(ready_url(), source, stream, max_value_bytes=max_value_bytes or DEFAULT_MAX_VALUE_BYTES)
    typer.echo(summary.render())
