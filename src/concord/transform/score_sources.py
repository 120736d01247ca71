"""Where the score's two sides come from: findings in the warehouse and the sandbox's ground truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concord.transform.score import Item, key_set

FINDINGS_SQL = "select finding_id, finding_class, keys from intermediate.int_identity_findings"


@dataclass(frozen=True)
class Truth:
    """The ground truth and the sandbox clock it is read at."""

    as_of: str
    records: list[dict[str, Any]]


def load_findings(url: str) -> list[Item]:
    """Every finding Concord surfaced (the identity findings built by dbt)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(FINDINGS_SQL).fetchall()
    return [Item(str(fid), str(cls), key_set(str(cls), keys)) for fid, cls, keys in rows]


def load_truth(sandbox_db: Path | None = None) -> Truth:
    """The sandbox's planted instances and its clock (default: the configured sandbox's database)."""
    from concord_sandbox.store import Store
    from concord_sandbox.truth import list_truth

    store = Store(sandbox_db)
    try:
        with store.lock:
            records = [r.as_json() for r in list_truth(store.conn)]
        return Truth(as_of=store.now_iso(), records=records)
    finally:
        store.close()


FINANCE_FINDINGS_SQL = "select finding_id, finding_class, keys from finance.reconciliation_findings"


def load_finance_findings(url: str) -> list[Item]:
    """Every finance exception the finance marts flag (invoice posting, payment status, ERP payments, subscriptions)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(FINANCE_FINDINGS_SQL).fetchall()
    return [Item(str(fid), str(cls), key_set(str(cls), keys)) for fid, cls, keys in rows]


def load_billing_paid_at(sandbox_db: Path | None = None) -> dict[str, str]:
    """When each paid billing invoice was paid (ISO UTC by invoice id), from the sandbox's billing store: what an
    SLA-bound class's due time is measured from (`score.due_instances`)."""
    from datetime import UTC, datetime

    from concord_sandbox.store import Store

    store = Store(sandbox_db)
    try:
        with store.lock:
            rows = store.conn.execute(
                "select id, json_extract(data, '$.status_transitions.paid_at') from invoices "
                "where status = 'paid' and deleted = 0"
            ).fetchall()
    finally:
        store.close()
    return {
        str(i): datetime.fromtimestamp(int(p), UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for i, p in rows if p is not None
    }


EXCEPTIONS_SQL = (
    "select exception_id, class, keys from concord_meta.exceptions where resolved_at is null and class = any(%s)"
)


def load_exception_findings(url: str) -> list[Item]:
    """Every open exception of a fault class (what the quality checks surfaced; engine classes are not scored)."""
    import psycopg

    from concord.fault_classes import FAULT_CLASSES

    with psycopg.connect(url) as conn:
        rows = conn.execute(EXCEPTIONS_SQL, (list(FAULT_CLASSES),)).fetchall()
    return [Item(str(eid), str(cls), key_set(str(cls), keys)) for eid, cls, keys in rows]


def load_data_clock(url: str) -> str | None:
    """The warehouse data's own clock (intermediate.int_source_clock, ISO UTC `…Z`); None before dbt built it."""
    import psycopg

    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('intermediate.int_source_clock')").fetchone()[0] is None:
            return None
        row = conn.execute(
            "select to_char(data_as_of at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
            "from intermediate.int_source_clock").fetchone()
    return row[0] if row else None
