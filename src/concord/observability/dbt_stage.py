"""The `transform` ledger row from dbt's run_results.json: nodes run, by status, and rows they wrote."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson

from concord.observability.ledger import StageRun


def transform_stage(select: str | None) -> str:
    """The ledger stage of a dbt build: `transform`, or `transform:<selection>` for a partial build (the
    Airflow run builds `path:models/marts/ops` after the writebacks, under the same run id)."""
    return f"transform:{select}" if select else "transform"


# Node statuses in dbt's run_results that fail a build.
DBT_FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


def failed_nodes(stage: StageRun) -> int:
    """How many nodes of a filled transform stage failed (errors, failing tests)."""
    return sum(n for s, n in stage.detail.get("by_status", {}).items() if s in DBT_FAILED_STATUSES)


def fill_transform_stage(stage: StageRun, run_results: Path, since: float) -> None:
    """records_in: nodes dbt ran; records_out: nodes that succeeded (success, pass, warn); detail: counts by
    resource type and status, and rows the models wrote. Ignores a run_results
    file older than `since` (dbt failed before writing one)."""
    try:
        if run_results.stat().st_mtime < since:
            return
        doc = orjson.loads(run_results.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return
    by_status: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    rows = 0
    for result in doc.get("results") or []:
        status = str(result.get("status"))
        by_status[status] += 1
        by_type[str(result.get("unique_id", "")).split(".", 1)[0]] += 1
        rows += int((result.get("adapter_response") or {}).get("rows_affected") or 0)
    stage.records_in = sum(by_status.values())
    stage.records_out = by_status["success"] + by_status["pass"] + by_status["warn"]
    stage.detail = {"by_status": dict(by_status), "by_type": dict(by_type), "rows_affected": rows,
                    "elapsed_seconds": doc.get("elapsed_time")}
