"""`concord replay quarantine --source S [--stream X]`: re-process quarantined records after a fix."""

from __future__ import annotations

import typer

from concord.warehouse.connection import ready_url

app = typer.Typer(help="Re-process records the loader quarantined.", no_args_is_help=True)


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
