"""Writeback stages, read from the shared pipeline (bench.pipeline): rows per second per destination in the
first concord_hourly run (every `wb_*` row is a change then), from the run ledger (`concord_meta.runs`, stage
`writeback:<destination>`: the engine's own seconds and outcome counts); and the cost of a `concord writeback`
with nothing to send, run after the next hour (CLI process included).

Goals follow each API's documented limit: Salesforce ≥ 200 rows/s (one 200-record sObject Collections call a
second); Stripe ≥ 50 rows/s (one call per customer: half of live mode's 100 requests/s, at which both the
emulator and Concord's pacing are set for the bench); NetSuite ≥ 20 rows/s (no batch API: one upsert per
record, 4 in flight at ~200 ms a call). A run with nothing to send ≤ 10 s: process start-up plus one diff per
target; anything beyond grows with the company and is paid every hour.
"""

from __future__ import annotations

from bench.harness import Context, Sample, stage
from bench.pipeline import pipeline

GOALS = {"salesforce": ">= 200/s", "netsuite": ">= 20/s", "stripe": ">= 50/s"}


def _first_run(ctx: Context, destination: str) -> Sample:
    p = pipeline(ctx)
    entry = p.first["ledger"].get(f"writeback:{destination}")
    if entry is None:
        raise RuntimeError(f"the first hourly run has no writeback to {destination} "
                           f"(task state {p.first['task_states'].get('writeback.' + destination)})")
    detail = entry["detail"] or {}
    targets = detail.get("targets", {})
    sent = sum(c.get("to_send", 0) for c in targets.values())
    seconds = float(detail.get("seconds") or entry["seconds"])
    return Sample(seconds, items=sent or None, extra={
        "task_s": round(p.first["task_seconds"].get(f"writeback.{destination}", 0.0), 2),
        "outcomes": {t: {k: c.get(k) for k in ("rows", "to_send", "succeeded", "invalid", "rejected")}
                     for t, c in targets.items()},
        "retries": detail.get("retries", 0)})


def _destination_stage(destination: str, doc: str) -> None:
    @stage(f"writeback.{destination}_first_run", group="writeback", unit="rows", repeats=1, warmup=0,
           goal=GOALS[destination])
    def first_run(ctx: Context) -> Sample:
        return _first_run(ctx, destination)

    first_run.__doc__ = doc


_destination_stage("salesforce", "Every CRM Account stamped through sObject Collections (200 a call), diff and "
                                 "outcome logging included.")
_destination_stage("netsuite", "Missing ERP customers, unposted invoices and their payments: one `eid:` upsert "
                               "each, 4 in flight.")
_destination_stage("stripe", "Cross-reference metadata on every billing customer, one call each with an "
                             "Idempotency-Key, paced at 100 requests/s.")


@stage("writeback.no_change_run", group="writeback", unit="runs", repeats=1, warmup=0, goal="<= 10")
def no_change_run(ctx: Context) -> Sample:
    """`concord writeback` (all three destinations) after the next hour: plan every row, send nothing."""
    p = pipeline(ctx)
    nc = p.no_change
    return Sample(nc["wall_s"], items=1, extra={
        "engine_s": nc["seconds"], "rows_planned": nc["rows_planned"], "sent": nc["to_send"]})
