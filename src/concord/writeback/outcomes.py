"""Recording outcomes: one `writeback_log` row per row and run, and `writeback_state` for every success, in one
transaction per sent batch (a crash between a send and its record means a resend, which is idempotent)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import psycopg

from concord.writeback.diff import Invalid
from concord.writeback.targets import Item, Result, Target

OUTCOMES = ("succeeded", "invalid", "rejected", "dead_lettered")


def outcome_of(result: Result, item: Item, max_attempts: int, *, replay: bool = False) -> str:
    """succeeded; rejected (will be tried again on a later run); dead_lettered once the attempts run out
    (a replay that fails again dead-letters at once)."""
    if result.ok:
        return "succeeded"
    return "dead_lettered" if replay or item.attempt >= max_attempts else "rejected"


def record_results(conn: psycopg.Connection, run_id: str, target: Target, items: Sequence[Item],
                   results: Sequence[Result], max_attempts: int, *, replay: bool = False) -> Counter[str]:
    """Log each result and advance the state of the successes; returns counts per outcome."""
    counts: Counter[str] = Counter()
    log_rows, state_rows = [], []
    for item, result in zip(items, results, strict=True):
        outcome = outcome_of(result, item, max_attempts, replay=replay)
        counts[outcome] += 1
        log_rows.append((run_id, target.destination, target.name, item.key, item.content_hash, outcome, item.attempt,
                         None if result.ok else result.retriable, result.http_status, result.error))
        if result.ok:
            state_rows.append((target.name, item.key, target.destination, sorted(item.values), item.content_hash,
                               result.destination_id or item.destination_id, run_id))
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "insert into concord_meta.writeback_log (run_id, destination, target, key, content_hash, outcome, "
            "attempt, retriable, http_status, error) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", log_rows)
        cur.executemany(
            "insert into concord_meta.writeback_state (target, key, destination, field_set, content_hash, "
            "destination_id, written_at, run_id) values (%s, %s, %s, %s, %s, %s, now(), %s) "
            "on conflict (target, key) do update set field_set = excluded.field_set, "
            "content_hash = excluded.content_hash, destination_id = coalesce(excluded.destination_id, "
            "writeback_state.destination_id), written_at = excluded.written_at, run_id = excluded.run_id", state_rows)
    return counts


def record_invalid(conn: psycopg.Connection, run_id: str, target: Target, invalid: Sequence[Invalid]) -> int:
    """Log rows Concord refused before sending (once per content: a rerun does not repeat the same verdict)."""
    rows = [(run_id, target.destination, target.name, i.key, i.content_hash, "invalid", 0, False, None, i.reason)
            for i in invalid if not i.already_logged]
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "insert into concord_meta.writeback_log (run_id, destination, target, key, content_hash, outcome, "
            "attempt, retriable, http_status, error) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    return len(rows)
