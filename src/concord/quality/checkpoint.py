"""One quality run: the configured suites through GX, then exceptions, then the policy's view of the result.

This is what `concord check` and (later) the Airflow check task call. The run ledger gets a `check` stage row:
`succeeded` when every check executed (open exceptions or not), `failed` when one could not execute.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from concord.observability.ledger import stage_run
from concord.quality.config import load_config
from concord.quality.lifecycle import SyncSummary, sync_exceptions
from concord.quality.outcomes import CheckpointResult
from concord.quality.policy import SystemicFailure, blocked_key_count, systemic_failures
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


def run_checks(
    url: str | None, run_id: str, suite_names: list[str] | None = None, directory: Path | None = None
) -> CheckReport:
    """Run the suites in `directory` (default: expectations_dir()) under `run_id` and apply the lifecycle."""
    config = load_config(directory)
    suites = load_suites(directory, suite_names)
    url = ready_url(url)
    with stage_run(run_id, "check", None, url) as stage:
        result = run_checkpoint(url, run_id, suites, config.max_failing_rows)
        with connect(url) as conn:
            summary = sync_exceptions(conn, run_id, result.outcomes, config)
            systemic = systemic_failures(conn, run_id, config)
            open_count = conn.execute(
                "select count(*) from concord_meta.exceptions where resolved_at is null").fetchone()[0]
            blocked = blocked_key_count(conn)
        stage.status = "succeeded" if result.succeeded else "failed"
        stage.records_in = len(result.outcomes)
        stage.records_out = len(result.passed)
        stage.detail = {
            "passed": len(result.passed), "failed": len(result.failed), "errored": len(result.errored),
            "opened": summary.opened, "refreshed": summary.refreshed, "reopened": summary.reopened,
            "resolved": summary.resolved, "open": open_count, "blocked_keys": blocked,
            "blocked_sources": sorted({f.source for f in systemic}), "seconds": round(result.seconds, 3),
        }
    return CheckReport(result, summary, open_count, blocked, systemic)
