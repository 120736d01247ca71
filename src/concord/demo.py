"""`make demo` / `concord demo`: the whole pipeline as Airflow runs it, twice, then what it did.

Starts the embedded warehouse, seeds a small sandbox company (first time) and serves its APIs, runs the
`concord_hourly` DAG once through Airflow's `dag.test()`, advances the sandbox by one simulated hour, runs the DAG
again (incremental: extraction follows the bookmarks), then prints per run the records landed per stream, the
quarantine, exceptions next to the ground truth (`concord score`), writeback outcomes, where Data Docs and dbt docs
are, and how to open the Airflow UI. Progress is printed as tasks finish.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import typer

from concord.errors import ConcordError
from concord.warehouse.connection import configured_url, ready_url, redact
from concord.warehouse.migrate import applied_versions

HOURLY = "concord_hourly"


class DemoError(ConcordError):
    """A demo step failed; names the step and what it printed."""


def _concord(*args: str) -> str:
    """Run a `concord` sub-command as a user would; return its stdout."""
    proc = subprocess.run([str(Path(sys.executable).with_name("concord")), *args], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise DemoError(f"`concord {' '.join(args)}` failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def _say(message: str) -> None:
    typer.echo(f"demo: {message}")


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
    if daemon.running_info(sandbox_dir()) is None:
        _concord("sandbox", "serve")
    lines += [f"sandbox API {line.strip()}" for line in _concord("sandbox", "status").strip().splitlines()]
    return lines


def step_airflow() -> list[str]:
    from concord.orchestration.dag_runner import prepare_airflow
    from concord.transform.manifest import manifest_path

    prepare_airflow()
    return [f"airflow: metadata database migrated, pools created, dbt manifest {manifest_path()}"]


class _Progress:
    """Prints each task of a DAG run as it finishes (polls Airflow's metadata database)."""

    def __init__(self, dag_id: str) -> None:
        self.dag_id, self.seen, self.stop = dag_id, set(), threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> _Progress:
        from datetime import UTC, datetime, timedelta

        self.started = time.perf_counter()
        self.since = datetime.now(UTC) - timedelta(seconds=5)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        from airflow.models.dagrun import DagRun
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        while not self.stop.wait(2.0):
            try:
                with create_session() as session:
                    run = (session.query(DagRun).filter(DagRun.dag_id == self.dag_id,
                                                        DagRun.start_date >= self.since)
                           .order_by(DagRun.start_date.desc()).first())
                    if run is None:
                        continue
                    done = session.query(TaskInstance.task_id, TaskInstance.state).filter(
                        TaskInstance.dag_id == self.dag_id, TaskInstance.run_id == run.run_id,
                        TaskInstance.state.in_(["success", "failed", "skipped", "upstream_failed"])).all()
            except Exception:  # the run's own writes may hold the database for a moment: try again
                continue
            fresh = [(t, s) for t, s in done if t not in self.seen]
            self.seen.update(t for t, _ in fresh)
            if fresh:
                # watcher tasks (one per dbt model) come in dozens: one line for them, one per other task
                watchers = [t for t, _ in fresh if t.startswith("transform.") and "producer" not in t]
                others = [f"{t} {s}" for t, s in fresh if t not in watchers]
                elapsed = time.perf_counter() - self.started
                for line in others:
                    _say(f"  [{elapsed:5.0f} s] {line}")
                if watchers:
                    _say(f"  [{elapsed:5.0f} s] {len(watchers)} dbt model/test watchers done")


def run_hourly(label: str) -> str:
    """One run of concord_hourly through dag.test(); returns its run id."""
    from concord.orchestration.dag_runner import run_dag

    _say(f"{label}: running {HOURLY} (extract-load → dbt → checks → writebacks → ops marts)")
    with _Progress(HOURLY):
        result = run_dag(HOURLY)
    skipped = result.tasks_in("skipped")
    _say(f"{label}: {result.state} in {result.seconds:.0f} s ({len(result.task_states)} tasks"
         f"{', skipped: ' + ', '.join(skipped) if skipped else ''})")
    return result.run_id


def _loaded_per_stream(conn: psycopg.Connection, run_id: str) -> list[str]:
    lines = []
    for source, detail, quarantined in conn.execute(
        "select source, detail, quarantined from concord_meta.runs where run_id = %s and stage like 'load:%%' "
        "order by source", (run_id,)
    ).fetchall():
        streams = (detail or {}).get("streams", {})
        per_stream = ", ".join(f"{name} {s.get('loaded', 0):,}" for name, s in sorted(streams.items()))
        lines.append(f"    {source}: {per_stream or 'nothing new'}; {quarantined:,} quarantined")
    return lines


def _writebacks(conn: psycopg.Connection, run_id: str) -> str:
    rows = conn.execute(
        "select destination, outcome, count(*) from concord_meta.writeback_log where run_id = %s "
        "group by 1, 2 order by 1, 2", (run_id,)).fetchall()
    if not rows:
        return "    writebacks: nothing to send"
    by_dest: dict[str, list[str]] = {}
    for dest, outcome, n in rows:
        by_dest.setdefault(dest, []).append(f"{outcome} {n}")
    return "    writebacks: " + "; ".join(f"{d} {', '.join(v)}" for d, v in by_dest.items())


def summary_lines(run_ids: list[str]) -> list[str]:
    lines: list[str] = []
    with psycopg.connect(ready_url()) as conn:
        for n, run_id in enumerate(run_ids, 1):
            lines.append(f"run {n} ({run_id}): records landed per stream")
            lines += _loaded_per_stream(conn, run_id)
            lines.append(_writebacks(conn, run_id))
        quarantined = conn.execute(
            "select count(*) from concord_meta.quarantine where resolved_at is null").fetchone()[0]
        lines.append(f"quarantine: {quarantined:,} unresolved records (`concord replay quarantine` or the "
                     "concord_replay DAG)")
        docs = conn.execute(
            "select detail ->> 'data_docs' from concord_meta.runs where run_id = %s and stage = 'check'",
            (run_ids[-1],)).fetchone()
    lines.append("exceptions by class next to the ground truth (`concord score`):")
    lines += [f"    {line}" for line in _concord("score").rstrip().splitlines()]
    lines.append(f"Data Docs: {docs[0] if docs and docs[0] else 'not built (see the check stage in concord_meta.runs)'}")
    return lines


def step_docs() -> list[str]:
    from concord.transform.runner import target_dir

    _concord("transform", "docs")
    return [f"dbt docs: {target_dir(ready_url()) / 'index.html'} (`.venv/bin/dbt docs serve` from dbt_project/)"]


def step_operations() -> list[str]:
    """The ops marts were built by the DAG's last task: health report and `concord status` from them."""
    from concord.observability.report import build_report
    from concord.observability.status import collect_status

    report = build_report()
    status = collect_status()
    fresh = sum(f.state == "fresh" for f in status.freshness)
    return [f"ops: {fresh} of {len(status.freshness)} streams fresh, {len(status.breached)} past their SLA "
            f"(`concord status`); health report {report} (`concord report`)"]


def run() -> None:
    """Warehouse, sandbox, two hourly DAG runs an hour apart, then the summary."""
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    from concord.airflow_env import apply_airflow_environment

    apply_airflow_environment()
    started = time.perf_counter()
    head: list[str] = []
    steps: list[tuple[str, Callable[[], list[str]]]] = [
        ("warehouse", step_warehouse), ("sandbox", step_sandbox), ("airflow", step_airflow)]
    for name, fn in steps:
        _say(f"{name} ...")
        head += fn()
    run_ids = [run_hourly("run 1")]
    _say("advancing the sandbox by one simulated hour of activity")
    _concord("sandbox", "advance", "--hours", "1")
    run_ids.append(run_hourly("run 2 (incremental)"))
    _say("dbt docs ...")
    tail = step_docs() + step_operations()
    typer.echo("\nConcord demo summary")
    for line in [*head, *summary_lines(run_ids), *tail]:
        typer.echo(f"  {line}")
    typer.echo(f"\nDone in {time.perf_counter() - started:.0f} s. Airflow UI: `make airflow` (airflow standalone on "
               "dags/ with these settings; prints the admin password), then http://127.0.0.1:8080.")
    typer.echo("Next: `concord sandbox truth`, `psql \"$(concord warehouse url)\"`, "
               "`concord sandbox stop && concord warehouse down` when done.")


if __name__ == "__main__":
    from concord.cli.main import run as cli_run

    cli_run(["demo"])
