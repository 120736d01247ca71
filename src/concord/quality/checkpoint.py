"""One quality run: the configured suites through GX, then exceptions, then the policy's view of the result.

This is what `concord check` and the Airflow check task call. The run ledger gets a `check` stage row:
`succeeded` when every check executed (open exceptions or not), `failed` when one could not execute, in which
case `run_checks` raises `ChecksNotExecutedError` after recording what did run: never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from concord.quality.config import expectations_dir, load_config
from concord.quality.data_docs import data_docs_dir
from concord.quality.errors import ChecksNotExecutedError, SuiteDefinitionError
from concord.quality.lifecycle import SyncSummary, sync_exceptions
from concord.quality.outcomes import CheckpointResult
from concord.quality.policy import (
    SystemicFailure,
    blocked_key_count,
    record_source_blocks,
    stale_sources,
    systemic_failures,
    unchecked_sources,
)
from concord.quality.runner import run_checkpoint
from concord.quality.suites import load_suites
from concord.warehouse.connection import connect, ready_url


@dataclass(frozen=True)
class CheckReport:
    result: CheckpointResult
    exceptions: SyncSummary
    open_exceptions: int
    blocked_keys: int
    systemic: list[SystemicFailure]

    @property
    def succeeded(self) -> bool:
        return self.result.succeeded

    @property
    def blocked_sources(self) -> list[str]:
        return sorted({f.source for f in self.systemic})

    @property
    def docs_index(self) -> Path | None:
        return self.result.docs_index

    def summary(self) -> str:
        """One line saying how the run came out (what the CLI and the Airflow task log)."""
        if not self.succeeded:
            return (f"{len(self.result.errored)} of {len(self.result.outcomes)} checks could not execute: "
                    f"the run failed ({self.result.run_id})")
        return (f"run {self.result.run_id} succeeded with {self.open_exceptions} open exceptions "
                f"({len(self.result.failed)} of {len(self.result.outcomes)} checks found failing rows)")


def _ledger(url: str, run_id: str, status: str, records: int = 0, detail: dict | None = None) -> None:
    with connect(url) as conn:
        conn.execute(
            "insert into concord_meta.runs (run_id, stage, status) values (%s, 'check', %s) "
            "on conflict (run_id, stage) do update set status = excluded.status, started_at = case "
            "when excluded.status = 'running' then now() else concord_meta.runs.started_at end, "
            "ended_at = case when excluded.status = 'running' then null else now() end",
            (run_id, status))
        if status != "running":
            conn.execute(
                "update concord_meta.runs set records_in = %s, detail = %s::jsonb where run_id = %s and stage = 'check'",
                (records, orjson.dumps(detail or {}).decode(), run_id))


def run_checks(
    url: str | None,
    run_id: str,
    suite_names: list[str] | None = None,
    directory: Path | None = None,
    docs_dir: Path | None = None,
) -> CheckReport:
    """Run the suites in `directory` (default: expectations_dir()) under `run_id` and apply the lifecycle.

    Data Docs are built into `docs_dir` (default: `data_docs_dir()`). Raises `ChecksNotExecutedError` (the
    report attached) when a check could not execute, and `QualityError` subclasses for bad configuration; in
    both cases the ledger row is `failed`.
    """
    url = ready_url(url)
    _ledger(url, run_id, "running")
    try:
        config = load_config(directory)
        every_suite = load_suites(directory, parameters=config.parameters)
        if not every_suite:
            raise SuiteDefinitionError(str((directory or expectations_dir()) / "suites"), None, "no suites found")
        suites = load_suites(directory, suite_names, config.parameters) if suite_names else every_suite
        defined = {(s.name, e.name) for s in every_suite for e in s.expectations}
        result = run_checkpoint(url, run_id, suites, config.max_failing_rows, docs_dir or data_docs_dir())
    except Exception as exc:
        _ledger(url, run_id, "failed", detail={"error": f"{type(exc).__name__}: {exc}"[:1000]})
        raise
    with connect(url) as conn:
        summary = sync_exceptions(conn, run_id, result.outcomes, config, defined=defined)
        systemic = (systemic_failures(conn, run_id, config) + stale_sources(conn, config)
                    + unchecked_sources(conn, run_id))
        record_source_blocks(conn, run_id, systemic)
        open_count = conn.execute(
            "select count(*) from concord_meta.exceptions where resolved_at is null").fetchone()[0]
        blocked = blocked_key_count(conn)
        conn.commit()
    detail = {
        "passed": len(result.passed), "failed": len(result.failed), "errored": len(result.errored),
        "opened": summary.opened, "refreshed": summary.refreshed, "reopened": summary.reopened,
        "resolved": summary.resolved, "retired": summary.retired, "open": open_count, "blocked_keys": blocked,
        "blocked_sources": sorted({f.source for f in systemic}), "seconds": round(result.seconds, 3),
        "data_docs": str(result.docs_index) if result.docs_index else None, "data_docs_error": result.docs_error,
    }
    _ledger(url, run_id, "succeeded" if result.succeeded else "failed", len(result.outcomes), detail)
    report = CheckReport(result, summary, open_count, blocked, systemic)
    if not report.succeeded:
        raise ChecksNotExecutedError(report)
    return report
