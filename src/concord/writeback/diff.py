"""The plan of one target: its `wb_*` rows compared with `concord_meta.writeback_state` and the log.

A row is sent when its content hash differs from the last successful write. It is not sent when Concord's own
validation fails (logged `invalid` once per content), or when that content was dead-lettered (until a replay).
Ownership is applied before hashing, so a field the destination owns can neither be sent nor trigger a send.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from concord.writeback.errors import WritebackError
from concord.writeback.ownership import may_write
from concord.writeback.payload import content_hash, plain
from concord.writeback.targets import RESERVED, Item, Target


@dataclass
class Invalid:
    key: str
    content_hash: str
    reason: str
    already_logged: bool


@dataclass
class Plan:
    target: Target
    rows: int = 0
    unchanged: int = 0
    awaiting_replay: int = 0
    to_send: list[Item] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    withheld: Counter[str] = field(default_factory=Counter)   # column → rows where ownership withheld it
    state_rows: int = 0


def _desired(conn: psycopg.Connection, target: Target) -> list[dict[str, Any]]:
    exists = conn.execute("select to_regclass(%s)", (f"writeback.{target.model}",)).fetchone()[0]
    if exists is None:
        raise WritebackError(f"The model writeback.{target.model} does not exist; build the writeback models first "
                             "(`concord transform build --select path:models/writeback`).")
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql.SQL("select * from writeback.{}").format(sql.Identifier(target.model)))
        return list(cur.fetchall())


def build_item(target: Target, row: dict[str, Any], attempt: int = 1,
               withheld: Counter[str] | None = None) -> tuple[Item, str | None]:
    """The item for one model row (ownership applied) and Concord's reason to refuse it, if any."""
    creating = row.get("destination_id") is None
    values: dict[str, Any] = {}
    reason = row.get("invalid_reason")
    for column, value in row.items():
        if column in RESERVED:
            continue
        spec = target.field(column)
        if spec is not None:
            allowed = may_write(target.destination, spec.object, spec.attribute, creating=creating).allowed
        else:
            allowed = creating and column in target.header
        if not allowed:
            if withheld is not None and value is not None:
                withheld[column] += 1
            continue
        try:
            values[column] = plain(value)
        except ValueError as exc:
            reason = reason or f"{column}: {exc}"
    for column in target.required:
        if column in values and values[column] is None:
            reason = reason or f"{column} is required"
    item = Item(target, str(row["key"]), creating, values, content_hash(creating, values), attempt,
                row.get("destination_id"))
    return item, reason


def plan_target(conn: psycopg.Connection, target: Target, *, replay: bool = False) -> Plan:
    """What one run would do for `target`; `replay` selects only the dead-lettered rows, to re-send them."""
    plan = Plan(target)
    state = {k: (h, d) for k, h, d in conn.execute(
        "select key, content_hash, destination_id from concord_meta.writeback_state where target = %s",
        (target.name,))}
    plan.state_rows = len(state)
    latest = {k: (h, o) for k, h, o in conn.execute(
        "select distinct on (key) key, content_hash, outcome from concord_meta.writeback_log "
        "where target = %s order by key, log_id desc", (target.name,))}
    attempts = {(k, h): n for k, h, n in conn.execute(
        "select key, content_hash, count(*) from concord_meta.writeback_log "
        "where target = %s and outcome in ('rejected', 'dead_lettered') group by 1, 2", (target.name,))}
    for row in _desired(conn, target):
        plan.rows += 1
        item, reason = build_item(target, row, withheld=plan.withheld)
        if item.key in state:
            item.destination_id = item.destination_id or state[item.key][1]
            if state[item.key][0] == item.content_hash:
                plan.unchanged += 1
                continue
        last_hash, last_outcome = latest.get(item.key, (None, None))
        if reason is not None:
            plan.invalid.append(Invalid(item.key, item.content_hash, reason,
                                        (last_hash, last_outcome) == (item.content_hash, "invalid")))
            continue
        dead = last_outcome == "dead_lettered"
        if replay and not dead:
            continue  # a replay re-sends only the dead-lettered rows
        if not replay and dead and last_hash == item.content_hash:
            plan.awaiting_replay += 1  # this content was dead-lettered: it waits for a fix and a replay
            continue
        item.attempt = attempts.get((item.key, item.content_hash), 0) + 1
        plan.to_send.append(item)
    return plan
