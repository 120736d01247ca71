"""`make demo` / `concord demo`: run every part of Concord that exists, end to end, and print what it did.

Each step is a function returning one summary line; a step whose package is not installed is reported as
such rather than failing, so the demo always exits 0 on a fresh clone while the project grows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import typer

from concord.warehouse.connection import configured_url, redact, warehouse_url
from concord.warehouse.migrate import applied_versions, migrate


def step_warehouse() -> str:
    url = warehouse_url()
    migrate(url)
    where = "configured server" if configured_url() else "embedded PostgreSQL (.concord/pg)"
    return f"warehouse: {where} at {redact(url)}; concord_meta at migration {max(applied_versions(url)):04d}"


STEPS: list[tuple[str, Callable[[], str]]] = [
    ("warehouse", step_warehouse),
]


def run() -> None:
    """Run each demo step in order and print a summary of what happened."""
    lines = []
    for name, fn in STEPS:
        started = time.perf_counter()
        typer.echo(f"demo: {name} ...")
        lines.append(f"{fn()}  ({time.perf_counter() - started:.1f} s)")
    typer.echo("\nConcord demo summary")
    for line in lines:
        typer.echo(f"  - {line}")


if __name__ == "__main__":
    from concord.cli.main import run as cli_run

    cli_run(["demo"])
