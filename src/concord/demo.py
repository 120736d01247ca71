"""`make demo` / `concord demo`: run every part of Concord that exists, end to end, and print what it did.

First run: start the embedded warehouse, seed a small sandbox company and serve its APIs, sync every source
whose emulator exists. Later runs advance the sandbox's clock by an hour first, so the sync is incremental.
Each step returns its summary lines; the demo exits 0 on a fresh clone.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson
import psycopg
import typer

from concord.errors import ConcordError
from concord.warehouse.connection import configured_url, ready_url, redact
from concord.warehouse.migrate import applied_versions


class DemoError(ConcordError):
    """A demo step failed; names the step and what it printed."""


def _concord(*args: str) -> str:
    """Run a `concord` sub-command as a user would; return its stdout."""
    proc = subprocess.run([str(Path(sys.executable).with_name("concord")), *args], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise DemoError(f"`concord {' '.join(args)}` failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def step_warehouse() -> list[str]:
    url = ready_url()
    where = "configured server" if configured_url() else "embedded PostgreSQL (.concord/pg)"
    return [f"warehouse: {where} at {redact(url)}; concord_meta at migration {max(applied_versions(url)):04d}"]


def step_sandbox() -> list[str]:
    from concord_sandbox import daemon
    from concord_sandbox.paths import database_path, sandbox_dir

    lines = []
    if not database_path().exists():
        _concord("sandbox", "seed", "--scale", "small")
        lines.append(f"sandbox: seeded a small company into {database_path()}")
    elif daemon.running_info(sandbox_dir()) is not None:
        _concord("sandbox", "advance", "--hours", "1")
        lines.append("sandbox: advanced the simulated clock by one hour of activity (incremental sync follows)")
    if daemon.running_info(sandbox_dir()) is None:
        _concord("sandbox", "serve")
    lines += [f"sandbox API {line.strip()}" for line in _concord("sandbox", "status").strip().splitlines()]
    truth = orjson.loads(_concord("sandbox", "truth", "--json"))
    still_open = [t for t in truth if not t.get("repaired_at")]
    lines.append(f"sandbox ground truth: {len(truth)} planted inconsistencies, {len(still_open)} not yet repaired "
                 "(`concord sandbox truth`)")
    return lines


def _built_sources() -> list[str]:
    from concord_sandbox.apis import load_api

    from concord.sync.sources import SOURCES

    return [name for name in SOURCES if load_api(name) is not None]


# One correlation id for the whole demo run, as one Airflow run id is for an hourly run.
RUN_ID = f"demo__{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"


def step_sync() -> list[str]:
    sources = _built_sources()
    if not sources:
        return ["sync: no source emulator is built yet"]
    return [line for line in _concord("sync", *sources, "--run-id", RUN_ID).strip().splitlines()]


def step_check() -> list[str]:
    """The GX checkpoint: results in concord_meta.check_results, failing rows as owned exceptions, Data Docs;
    then the exceptions scored against the ground truth, per fault class."""
    from concord.quality import data_docs_path

    lines = _concord("check", "--run-id", RUN_ID).strip().splitlines()
    score = _concord("score").strip().splitlines()
    return [f"checks: {lines[0]}", *(f"  {line.strip()}" for line in lines[1:]),
            f"data docs: open {data_docs_path().as_uri()}", score[0], *(f"  {line.strip()}" for line in score[1:])]


def step_transform() -> list[str]:
    """dbt build (staging → intermediate → core), the docs catalog, and the identity score."""
    build = _concord("transform", "build").strip().splitlines()
    _concord("transform", "docs")
    score = _concord("score", "--from", "findings").strip().splitlines()
    return [build[-1].replace("dbt build", "dbt: build"), "dbt: docs generated (`concord transform docs`)",
            score[0], *(f"  {line.strip()}" for line in score[1:])]


def step_warehouse_contents() -> list[str]:
    lines = []
    with psycopg.connect(ready_url()) as conn:
        for schema, in conn.execute(
            "select nspname from pg_namespace where nspname like 'raw\\_%' order by 1"
        ).fetchall():
            tables = conn.execute(
                "select relname, reltuples::bigint from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relkind = 'r' order by 1", (schema,)
            ).fetchall()
            counts = []
            for (table, _) in tables:
                n = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                counts.append(f"{table} {n:,}")
            lines.append(f"{schema}: " + ", ".join(counts))
        quarantined = conn.execute("select count(*) from concord_meta.quarantine where resolved_at is null").fetchone()[0]
        lines.append(f"concord_meta.quarantine: {quarantined:,} unresolved records")
    return lines


STEPS: list[tuple[str, Callable[[], list[str]]]] = [
    ("warehouse", step_warehouse),
    ("sandbox", step_sandbox),
    ("sync", step_sync),
    ("transform", step_transform),
    ("checks", step_check),
    ("warehouse contents", step_warehouse_contents),
]


def run() -> None:
    """Run each demo step in order and print a summary of what happened."""
    summary: list[str] = []
    for name, fn in STEPS:
        started = time.perf_counter()
        typer.echo(f"demo: {name} ...")
        lines = fn()
        summary += lines
        summary[-1] += f"  ({time.perf_counter() - started:.1f} s)"
    typer.echo("\nConcord demo summary")
    for line in summary:
        typer.echo(f"  - {line}")
    typer.echo("\nNext: `concord sandbox truth` lists the planted inconsistencies; `concord warehouse url` for psql.")


if __name__ == "__main__":
    from concord.cli.main import run as cli_run

    cli_run(["demo"])
