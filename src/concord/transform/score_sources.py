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
