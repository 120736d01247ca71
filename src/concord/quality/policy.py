"""The blocking policy: which keys the `wb_*` models exclude, and which sources are blocked entirely."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import psycopg

from concord.quality.config import QualityConfig, load_config


def blocked_keys(conn: psycopg.Connection, system: str, object_name: str) -> set[str]:
    """Keys (as text) of `system`'s `object_name` named by open exceptions of `block` expectations."""
    probe = orjson.dumps({system: {object_name: []}}).decode()
    rows = conn.execute(
        "select distinct k from concord_meta.exceptions e, "
        "jsonb_array_elements_text(e.keys -> %s -> %s) as k "
        "where e.resolved_at is null and e.blocked and e.keys @> %s::jsonb and k is not null",
        (system, object_name, probe),
    ).fetchall()
    return {r[0] for r in rows}


@dataclass(frozen=True)
class SystemicFailure:
    source: str
    suite: str
    expectation: str
    unexpected_percent: float
    threshold_percent: float


def systemic_failures(
    conn: psycopg.Connection, run_id: str, config: QualityConfig | None = None
) -> list[SystemicFailure]:
    """The run's `block` contract expectations whose failing share exceeds their source's threshold.

    Only classes in `systemic.classes` (default: contract_violation) count: a broken contract means the source's
    data cannot be trusted, while a business inconsistency (a duplicate account) only blocks its own keys.
    """
    config = config or load_config()
    out: list[SystemicFailure] = []
    for source, suite, expectation, percent in conn.execute(
        "select source, suite, expectation, unexpected_percent from concord_meta.check_results "
        "where run_id = %s and status = 'failure' and policy = 'block' and detail ->> 'class' = any(%s) "
        "order by source, suite, expectation",
        (run_id, sorted(config.systemic_classes)),
    ):
        threshold = config.threshold_for(source)
        if percent is not None and percent > threshold:
            out.append(SystemicFailure(source, suite, expectation, float(percent), threshold))
    return out


def blocked_sources(conn: psycopg.Connection, run_id: str, config: QualityConfig | None = None) -> set[str]:
    """Sources whose writebacks this run blocks entirely (a systemic failure)."""
    return {f.source for f in systemic_failures(conn, run_id, config)}


def blocked_key_count(conn: psycopg.Connection) -> int:
    """How many distinct (system, object, key) the open `block` exceptions exclude from writebacks."""
    return conn.execute(
        "select count(*) from (select distinct s.key, o.key, k from concord_meta.exceptions e, "
        "jsonb_each(e.keys) s, jsonb_each(s.value) o, jsonb_array_elements_text(o.value) k "
        "where e.resolved_at is null and e.blocked and k is not null) x"
    ).fetchone()[0]
