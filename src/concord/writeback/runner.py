"""`run_writebacks(destination, run_id)`: the one entry point the CLI and the Airflow DAG call.

Per destination, under the advisory lock `destination:<name>`: plan each target (diff against
`writeback_state`), refuse a run that would change more than the configured share of the destination's rows
(unless forced), log invalid rows, send the changes (retries, bisection, bounded concurrency inside the
destination client), and record one outcome per row. The run ledger gets stage `writeback:<destination>`.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

import psycopg

from concord.observability.ledger import close_abandoned
from concord.sync.locks import resource_lock
from concord.warehouse.connection import ready_url
from concord.writeback import ledger
from concord.writeback.destinations import Destination, open_destination, targets_of
from concord.writeback.diff import Plan, plan_target
from concord.writeback.errors import ChangeGuardError, WritebackError
from concord.writeback.http import RetryCounter
from concord.writeback.outcomes import OUTCOMES, record_invalid, record_results
from concord.writeback.settings import WritebackSettings
from concord.writeback.targets import Item, Result, Target

DESTINATIONS = ("salesforce", "netsuite", "stripe")
ALIASES = {"crm": "salesforce", "erp": "netsuite", "billing": "stripe"}
RECORD_CHUNK = 200  # rows sent, then recorded in one transaction


def destination_name(name: str) -> str:
    """`salesforce|netsuite|stripe`, also accepting the roles `crm|erp|billing`."""
    name = ALIASES.get(name.lower(), name.lower())
    if name not in DESTINATIONS:
        raise WritebackError(f"Unknown destination {name!r}; expected one of {', '.join(DESTINATIONS)} "
                             f"(or {', '.join(ALIASES)}).")
    return name


def _blocked_sources(conn: psycopg.Connection, run_id: str) -> set[str]:
    from concord.quality.policy import blocked_sources

    return blocked_sources(conn, run_id)


def _destination_rows(conn: psycopg.Connection, target: Target) -> int | None:
    if not target.destination_rows_sql:
        return None
    try:
        with conn.transaction():
            return int(conn.execute(target.destination_rows_sql).fetchone()[0])
    except psycopg.Error:
        return None


def _completed_before(conn: psycopg.Connection, stage: str) -> bool:
    """Whether a run of this stage has completed (a crashed first run does not count: its rerun finishes it)."""
    return conn.execute("select exists (select 1 from concord_meta.runs where stage = %s "
                        "and status in ('succeeded', 'partial'))", (stage,)).fetchone()[0]


def check_guard(conn: psycopg.Connection, plan: Plan, share: float) -> None:
    """Abort when a run after the first complete one would change more than `share` of the destination's rows."""
    if not plan.to_send:
        return
    base = _destination_rows(conn, plan.target) or plan.rows
    if base and len(plan.to_send) > max(10, share * base):
        raise ChangeGuardError(
            f"{plan.target.name}: this run would change {len(plan.to_send):,} of {base:,} rows "
            f"({len(plan.to_send) / base:.0%}), more than the guard's {share:.0%}; nothing was sent. Check the "
            f"model writeback.{plan.target.model}, then rerun with --force (CONCORD_WRITEBACK_MAX_CHANGE_SHARE).")


def _send(dest: Destination, target: Target, items: list[Item], settings: WritebackSettings) -> list[Result]:
    """Send, then resend rows the destination refused row by row with a retriable error (e.g. a lock)."""
    results = dest.send(target, items)
    for attempt in range(settings.retries):
        again = [n for n, r in enumerate(results)
                 if not r.ok and r.retriable and r.http_status is not None and r.http_status < 300]
        if not again:
            break
        time.sleep(random.uniform(0, min(settings.backoff_max, settings.backoff_seconds * 2**attempt)))
        for n, result in zip(again, dest.send(target, [items[n] for n in again]), strict=True):
            results[n] = result
    return results


def _empty_counts(plan: Plan) -> dict[str, Any]:
    return {"rows": plan.rows, "unchanged": plan.unchanged, "to_send": len(plan.to_send),
            "awaiting_replay": plan.awaiting_replay, "blocked": 0,
            **dict.fromkeys(OUTCOMES, 0), "withheld_by_ownership": dict(plan.withheld)}


def run_writebacks(destination: str, run_id: str, *, url: str | None = None, dry_run: bool = False,
                   force: bool = False, replay: bool = False,
                   settings: WritebackSettings | None = None) -> dict[str, Any]:
    """Write one destination's changed rows; returns `{"destination", "run_id", "targets": {target: counts}, …}`
    where counts hold rows, unchanged, to_send, succeeded, invalid, rejected, dead_lettered, awaiting_replay."""
    name = destination_name(destination)
    url = ready_url(url)
    settings = settings or WritebackSettings.from_env()
    stage = f"writeback:{name}"
    started = time.perf_counter()
    counter = RetryCounter()
    summary: dict[str, Any] = {"destination": name, "run_id": run_id, "dry_run": dry_run, "replay": replay,
                               "targets": {}}
    with resource_lock(url, f"destination:{name}"), psycopg.connect(url, autocommit=True) as conn:
        if not dry_run:
            ledger.start(conn, run_id, stage, name)
            close_abandoned(url, [stage], run_id)
        api_errors: Counter[str] = Counter()
        try:
            plans = [plan_target(conn, t, replay=replay) for t in targets_of(name)]
            if not (force or replay) and _completed_before(conn, stage):
                for plan in plans:
                    check_guard(conn, plan, settings.max_change_share)
            blocked = _blocked_sources(conn, run_id)
            if dry_run:
                for plan in plans:
                    counts = _empty_counts(plan)
                    counts["invalid"] = len(plan.invalid)
                    counts["changes"] = [{"key": i.key, "create": i.creating, "values": i.values}
                                         for i in plan.to_send]
                    counts["invalid_rows"] = [{"key": i.key, "reason": i.reason} for i in plan.invalid]
                    summary["targets"][plan.target.name] = counts
                return summary
            dest = open_destination(name, settings, counter) if any(p.to_send for p in plans) else None
            try:
                for plan in plans:
                    counts = _empty_counts(plan)
                    summary["targets"][plan.target.name] = counts
                    counts["invalid"] = len(plan.invalid)  # logged once per content; counted every run
                    counts["invalid_logged"] = record_invalid(conn, run_id, plan.target, plan.invalid)
                    stopped = sorted(blocked & set(plan.target.sources))
                    if stopped:
                        counts["blocked"] = len(plan.to_send)
                        counts["blocked_by"] = stopped
                        continue
                    for start in range(0, len(plan.to_send), RECORD_CHUNK):
                        assert dest is not None
                        chunk = plan.to_send[start:start + RECORD_CHUNK]
                        results = _send(dest, plan.target, chunk, settings)
                        api_errors.update(str(r.http_status or "transport") for r in results if not r.ok)
                        done = record_results(conn, run_id, plan.target, chunk, results, settings.max_attempts,
                                              replay=replay)
                        for outcome, n in done.items():
                            counts[outcome] += n
            finally:
                if dest is not None:
                    dest.close()
        except BaseException as exc:
            if not dry_run:
                ledger.finish(conn, run_id, stage, "failed", retries=counter.value, api_errors=dict(api_errors),
                              detail={"error": str(exc)[:2000], **summary})
            raise
        summary["retries"] = counter.value
        summary["seconds"] = round(time.perf_counter() - started, 3)
        totals = Counter()
        for counts in summary["targets"].values():
            totals.update({k: counts[k] for k in ("rows", "to_send", *OUTCOMES)})
        status = "partial" if totals["rejected"] or totals["dead_lettered"] else "succeeded"
        ledger.finish(conn, run_id, stage, status, records_in=totals["to_send"], records_out=totals["succeeded"],
                      retries=counter.value, api_errors=dict(api_errors), detail=summary)
    return summary
