"""Generated Singer streams for benchmarks and tests: invoice-like records with nested lines.

Deterministic for a given (count, seed): the same file byte for byte. `updates_of` writes a second stream that
changes a subset of the same keys with higher versions, for merge benchmarks.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

STREAM = "invoices"
SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "customer": {"type": "string"},
        "number": {"type": ["string", "null"]},
        "status": {"type": "string"},
        "currency": {"type": "string"},
        "amount_due": {"type": "integer"},
        "amount_paid": {"type": "integer"},
        "total": {"type": "integer"},
        "created": {"type": "string", "format": "date-time"},
        "updated": {"type": "string", "format": "date-time"},
        "lines": {"type": "array", "items": {"type": "object"}},
        "metadata": {"type": ["object", "null"]},
    },
    "required": ["id"],
}
COLUMNS = list(SCHEMA["properties"])
_BASE = datetime(2026, 1, 1, tzinfo=UTC)
_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
_CURRENCIES = ("usd", "eur", "gbp", "jpy")


def _record(rng: random.Random, i: int, version_offset: int = 0) -> dict:
    n_lines = rng.randint(1, 4)
    lines = [
        {
            "id": f"il_{i:09d}_{j}",
            "price": f"price_{rng.randint(1, 40):04d}",
            "quantity": rng.randint(1, 20),
            "amount": rng.randint(100, 500_000),
            "description": f"Plan seat × {rng.randint(1, 50)}",
            "period": {"start": 1767225600 + i, "end": 1769904000 + i},
        }
        for j in range(n_lines)
    ]
    total = sum(line["amount"] for line in lines)
    status = rng.choice(_STATUSES)
    created = _BASE + timedelta(seconds=i * 7)
    return {
        "id": f"in_{i:09d}",
        "customer": f"cus_{rng.randint(1, max(1, i // 5 + 1)):08d}",
        "number": f"INV-{i:07d}" if status != "draft" else None,
        "status": status,
        "currency": rng.choice(_CURRENCIES),
        "amount_due": total,
        "amount_paid": total if status == "paid" else 0,
        "total": total,
        "created": created.isoformat().replace("+00:00", "Z"),
        "updated": (created + timedelta(hours=version_offset, seconds=rng.randint(0, 3600))).isoformat().replace("+00:00", "Z"),
        "lines": lines,
        "metadata": {"salesforce_account_id": f"001{i:015d}"} if i % 3 else None,
    }


def write_invoice_stream(path: Path, count: int, seed: int = 7, state_every: int = 10_000) -> Path:
    """Write a Singer stream of `count` invoice records (SCHEMA, RECORDs, periodic STATE) to `path`."""
    rng = random.Random(seed)
    with open(path, "wb") as out:
        out.write(orjson.dumps({"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": ["id"],
                                "bookmark_properties": ["updated"]}) + b"\n")
        for i in range(count):
            rec = _record(rng, i)
            out.write(orjson.dumps({"type": "RECORD", "stream": STREAM, "record": rec}) + b"\n")
            if (i + 1) % state_every == 0 or i + 1 == count:
                out.write(orjson.dumps({"type": "STATE", "value": {"bookmarks": {STREAM: {
                    "replication_key": "updated", "replication_key_value": rec["updated"]}}}}) + b"\n")
    return path


def write_invoice_updates(path: Path, total: int, changed: int, seed: int = 11) -> Path:
    """A stream changing `changed` of the `total` keys of `write_invoice_stream`, each with a later version."""
    rng = random.Random(seed)
    keys = sorted(rng.sample(range(total), changed))
    with open(path, "wb") as out:
        out.write(orjson.dumps({"type": "SCHEMA", "stream": STREAM, "schema": SCHEMA, "key_properties": ["id"],
                                "bookmark_properties": ["updated"]}) + b"\n")
        for i in keys:
            rec = _record(random.Random(seed * 1_000_003 + i), i, version_offset=24 * 400)
            out.write(orjson.dumps({"type": "RECORD", "stream": STREAM, "record": rec}) + b"\n")
        out.write(orjson.dumps({"type": "STATE", "value": {"bookmarks": {STREAM: {"replication_key_value": "x"}}}}) + b"\n")
    return path


def records_for_scale(scale: str) -> int:
    """The stream size the benchmarks use at a scale."""
    return {"small": 20_000, "medium": 200_000, "large": 1_000_000}[scale]
