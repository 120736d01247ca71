"""The exception lifecycle: failing rows open or refresh exceptions; cleared ones are resolved, never deleted.

An exception is one (class, keys) pair; its id is derived from them. Re-detecting a resolved exception re-opens
the same row (resolved_at cleared, reopened_count + 1, first_seen_at kept), so one inconsistency has one history
and one id that stewards and the score can refer to. Exceptions of an expectation whose check errored are left
as they were: an unexecuted check proves nothing either way. Exceptions of an expectation no longer defined in
any suite are resolved (`detail.resolution = "expectation_removed"`): nothing checks them any more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
import psycopg

from concord.quality.config import QualityConfig, load_config
from concord.quality.outcomes import CheckOutcome

# Arbitrary constant: serialises lifecycle updates (a CLI check and a DAG check never interleave).
LIFECYCLE_LOCK_KEY = 0x0C0C0_0009


@dataclass
class SyncSummary:
    opened: int = 0
    refreshed: int = 0
    reopened: int = 0
    resolved: int = 0
    retired: int = 0
    untouched_expectations: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """Key values as JSON scalars: integral decimals become ints (NetSuite ids), other non-JSON types text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def normalise_keys(keys: dict[str, dict[str, list[Any]]]) -> dict[str, dict[str, list[Any]]]:
    return {s: {o: [_plain(v) for v in vals] for o, vals in objs.items()} for s, objs in keys.items()}


def exception_id(fault_class: str, keys: dict[str, dict[str, list[Any]]]) -> str:
    """The stable id of the exception (class, keys)."""
    canonical = orjson.dumps([fault_class, normalise_keys(keys)], option=orjson.OPT_SORT_KEYS)
    return "exc_" + hashlib.sha256(canonical).hexdigest()[:24]


def sync_exceptions(
    conn: psycopg.Connection,
    run_id: str,
    failures: list[CheckOutcome],
    config: QualityConfig | None = None,
    seen_at: datetime | None = None,
    defined: set[tuple[str, str]] | None = None,
) -> SyncSummary:
    """Apply one run's outcomes to `concord_meta.exceptions` in one transaction; returns what changed.

    `failures` are the run's outcomes (all of them: successes resolve, errors leave their exceptions alone).
    `defined` is every (suite, expectation) currently in the suites (whether run or not): open exceptions of any
    other expectation are resolved as retired. None skips that step.
    `seen_at` defaults to the database's now(); tests pass it to age exceptions.
    """
    config = config or load_config()
    summary = SyncSummary()
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (LIFECYCLE_LOCK_KEY,))
        at = seen_at or conn.execute("select now()").fetchone()[0]
        seen: dict[str, dict[str, Any]] = {}
        executed: set[tuple[str, str]] = set()
        for outcome in failures:
            spec = outcome.spec
            if outcome.status == "error":
                summary.untouched_expectations.append(f"{spec.suite}.{spec.name}")
                continue
            executed.add((spec.suite, spec.name))
            for keys in outcome.implicated_keys():
                keys = normalise_keys(keys)
                eid = exception_id(spec.fault_class, keys)
                entry = seen.setdefault(eid, {
                    "class": spec.fault_class, "keys": keys, "spec": spec, "blocked": False,
                    "steward": spec.steward_team or config.steward_for(spec.fault_class),
                })
                entry["blocked"] = entry["blocked"] or spec.policy == "block"
        previous = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                "select exception_id, resolved_at is not null, last_run_id from concord_meta.exceptions "
                "where exception_id = any(%s)", (list(seen),))
        }
        for eid, entry in seen.items():
            spec = entry["spec"]
            was = previous.get(eid)
            if was is None:
                summary.opened += 1
            elif was[0]:
                summary.reopened += 1
            elif was[1] != run_id:
                summary.refreshed += 1
            detail = orjson.dumps({"table": spec.qualified_table, "type": spec.type, "policy": spec.policy}).decode()
            conn.execute(
                """
                insert into concord_meta.exceptions as e (exception_id, class, keys, steward_team, expectation, suite,
                    source, first_seen_at, last_seen_at, first_run_id, last_run_id, occurrences, blocked, detail)
                values (%(id)s, %(class)s, %(keys)s::jsonb, %(steward)s, %(exp)s, %(suite)s, %(source)s, %(at)s,
                    %(at)s, %(run)s, %(run)s, 1, %(blocked)s, %(detail)s::jsonb)
                on conflict (exception_id) do update set
                    last_seen_at = greatest(e.last_seen_at, excluded.last_seen_at),
                    occurrences = e.occurrences + case when e.last_run_id = excluded.last_run_id then 0 else 1 end,
                    reopened_count = e.reopened_count + case when e.resolved_at is null then 0 else 1 end,
                    last_run_id = excluded.last_run_id,
                    resolved_at = null,
                    resolved_run_id = null,
                    steward_team = excluded.steward_team,
                    expectation = excluded.expectation,
                    suite = excluded.suite,
                    source = excluded.source,
                    blocked = excluded.blocked,
                    detail = excluded.detail
                """,
                {"id": eid, "class": entry["class"], "keys": orjson.dumps(entry["keys"]).decode(),
                 "steward": entry["steward"], "exp": spec.name, "suite": spec.suite, "source": spec.source,
                 "at": at, "run": run_id, "blocked": entry["blocked"], "detail": detail},
            )
        for suite, expectation in sorted(executed):
            cur = conn.execute(
                "update concord_meta.exceptions set resolved_at = %s, resolved_run_id = %s "
                "where resolved_at is null and suite = %s and expectation = %s and not (exception_id = any(%s))",
                (at, run_id, suite, expectation, list(seen)),
            )
            summary.resolved += cur.rowcount
        if defined is not None:
            suites = [s for s, _ in sorted(defined)]
            names = [e for _, e in sorted(defined)]
            cur = conn.execute(
                "update concord_meta.exceptions e set resolved_at = %s, resolved_run_id = %s, "
                "detail = e.detail || '{\"resolution\": \"expectation_removed\"}'::jsonb "
                "where e.resolved_at is null and not (e.exception_id = any(%s)) and (e.suite, e.expectation) not in "
                "(select * from unnest(%s::text[], %s::text[]))",
                (at, run_id, list(seen), suites, names),
            )
            summary.retired += cur.rowcount
    return summary
