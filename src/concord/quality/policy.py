"""The blocking policy: which keys the `wb_*` models exclude, and which sources are blocked entirely.

A source is blocked entirely (a systemic failure) when one of its `block` contract expectations fails for more
than its threshold share of rows, when its last successful load is older than its freshness SLA, or when one of
its checks could not execute. The check
stage records the blocks in `concord_meta.source_blocks`; `concord_meta.blocked_sources` (and
`blocked_sources_now`) are the latest finished check run's.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import psycopg

from concord.quality.config import QualityConfig, load_config
from concord.quality.fault_classes import SYSTEMS


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
    """Why a source's writebacks are blocked: a contract (percent of rows failing) or freshness (hours stale)."""

    source: str
    suite: str
    expectation: str
    unexpected_percent: float | None
    threshold_percent: float
    reason: str = "contract"

    @property
    def check_name(self) -> str:
        return f"{self.suite}.{self.expectation}"

    def describe(self) -> str:
        if self.reason == "unchecked":
            return f"{self.check_name} could not execute"
        if self.reason == "freshness":
            age = "never loaded" if self.unexpected_percent is None else f"last loaded {self.unexpected_percent:.1f} h ago"
            return f"{self.source} is past its freshness SLA ({age} > {self.threshold_percent:g} h)"
        return (f"{self.check_name} fails {self.unexpected_percent:.1f} % of rows "
                f"> {self.threshold_percent:g} %")


def stale_sources(conn: psycopg.Connection, config: QualityConfig | None = None) -> list[SystemicFailure]:
    """Sources past their freshness SLA: no successful load within the configured hours (or none ever)."""
    config = config or load_config()
    last = dict(conn.execute(
        "select source, extract(epoch from now() - max(ended_at)) / 3600.0 from concord_meta.runs "
        "where stage like 'load:%' and status = 'succeeded' and source is not null group by source").fetchall())
    out = []
    for source in sorted(SYSTEMS):
        sla = config.freshness_sla_for(source)
        if sla is None:
            continue
        hours = last.get(source)
        if hours is None or float(hours) > sla:
            out.append(SystemicFailure(source, "freshness", f"{source}_loaded_within_sla",
                                       None if hours is None else float(hours), sla, reason="freshness"))
    return out


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
    """Sources whose writebacks this run's contract checks block entirely (freshness: `stale_sources`)."""
    return {f.source for f in systemic_failures(conn, run_id, config)}


def unchecked_sources(conn: psycopg.Connection, run_id: str) -> list[SystemicFailure]:
    """Sources with a check in this run that could not execute: blocked too, as nothing vouches for their data."""
    return [
        SystemicFailure(source, suite, expectation, None, 0.0, reason="unchecked")
        for source, suite, expectation in conn.execute(
            "select distinct on (source) source, suite, expectation from concord_meta.check_results "
            "where run_id = %s and status = 'error' order by source, suite, expectation", (run_id,))
    ]


def record_source_blocks(conn: psycopg.Connection, run_id: str, failures: list[SystemicFailure]) -> None:
    """Write the run's systemic failures to `concord_meta.source_blocks` (replacing a re-run's)."""
    conn.execute("delete from concord_meta.source_blocks where run_id = %s", (run_id,))
    for f in failures:
        conn.execute(
            "insert into concord_meta.source_blocks (run_id, source, reason, check_name, measured, threshold) "
            "values (%s, %s, %s, %s, %s, %s)",
            (run_id, f.source, f.reason, f.check_name, f.unexpected_percent, f.threshold_percent))


def blocked_sources_now(conn: psycopg.Connection) -> set[str]:
    """Sources the latest finished check run blocks entirely (what writebacks must skip)."""
    return {r[0] for r in conn.execute("select distinct source from concord_meta.blocked_sources")}


def blocked_key_count(conn: psycopg.Connection) -> int:
    """How many distinct (system, object, key) the open `block` exceptions exclude from writebacks."""
    return conn.execute(
        "select count(*) from (select distinct s.key, o.key, k from concord_meta.exceptions e, "
        "jsonb_each(e.keys) s, jsonb_each(s.value) o, jsonb_array_elements_text(o.value) k "
        "where e.resolved_at is null and e.blocked and k is not null) x"
    ).fetchone()[0]
