"""The `sync:<source>` ledger row: the tap's side (from its log) joined with the loader's `load:<source>` row."""

from __future__ import annotations

from pathlib import Path

from concord.observability.ledger import StageRun
from concord.observability.tap_metrics import parse_tap_log


def fill_sync_stage(stage: StageRun, url: str, tap_log: Path, clock_skew_seconds: float = 0.0) -> None:
    """Set `stage`'s counts: records the tap emitted in, records landed out, quarantined and bytes from the
    loader's row of the same run, retries and API errors by status code from the tap's log."""
    import psycopg

    metrics = parse_tap_log(tap_log)
    stage.records_in = metrics.records_total
    stage.retries = metrics.retries
    stage.api_errors = dict(metrics.api_errors)
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select records_out, quarantined, bytes, status from concord_meta.runs where run_id = %s and stage = %s",
            (stage.run_id, f"load:{stage.source}")).fetchone()
    if row is not None:
        stage.records_out, stage.quarantined, stage.bytes, load_status = row
        if load_status == "partial" and stage.status == "succeeded":
            stage.status = "partial"
    stage.detail = {"requests": metrics.requests, "streams": dict(metrics.records), "tap_log": str(tap_log),
                    "source_clock_skew_seconds": clock_skew_seconds}
