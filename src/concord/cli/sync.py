"""`concord sync [SOURCE ...]`: extract-load sources from their bookmarks into the warehouse."""

from __future__ import annotations

import typer

from concord.run_ids import manual_run_id
from concord.sync.sources import SOURCES


def sync(
    sources: list[str] = typer.Argument(None, help=f"Sources to sync (default: all of {', '.join(SOURCES)})."),
    run_id: str = typer.Option(None, "--run-id", help="Correlation id for this run (default: manual__<utc time>)."),
    lock_wait: float = typer.Option(0.0, "--lock-wait", help="Seconds to wait for a source another run holds."),
) -> None:
    """Run each source's tap from its warehouse bookmarks into target-concord; print what landed."""
    from concord.sync.runner import sync_source

    run_id = run_id or manual_run_id()
    for name in sources or list(SOURCES):
        result = sync_source(name, run_id, lock_wait)
        typer.echo(
            f"{name}: {result.records_out:,} records landed in raw_{name}, {result.quarantined:,} quarantined, "
            f"{result.seconds:.1f} s (run {run_id}; logs {result.log_dir})"
        )
