"""Generated Singer streams of invoice-like records with nested lines, for tests and benchmarks.

Deterministic for a given seed: the same arguments always write the same bytes, so a test or a benchmark
can compare what landed against what was sent.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

STREAM = "invoices"

INVOICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "number": {"type": ["string", "null"]},
        "customer": {"type": ["string", "null"]},
        "currency": {"type": ["string", "null"]},
        "status": {"type": ["string", "null"]},
        "amount_due": {"type": ["integer", "null"]},
        "amount_paid": {"type": ["integer", "null"]},
        "tax_rate": {"type": ["number", "null"]},
        "paid": {"type": ["boolean", "null"]},
        "created": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "lines": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "description": {"type": ["string", "null"]},
                    "quantity": {"type": ["integer", "null"]},
                    "unit_amount": {"type": ["integer", "null"]},
                    "amount": {"type": ["integer", "null"]},
                },
            },
        },
        "metadata": {"type": ["object", "null"], "properties": {}},
    },
}

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
_CURRENCIES = ("usd", "eur", "gbp", "jpy")


def invoice(i: int, rng: random.Random, revision: int = 0) -> dict[str, Any]:
    """The invoice with key `inv_<i>` at `revision` (a later revision has a later `updated_at`)."""
    created = _EPOCH + timedelta(seconds=i * 7)
    lines = []
    for n in range(rng.randint(1, 4)):
        qty = rng.randint(1, 9)
        unit = rng.randint(100, 99_999)
        lines.append({"id": f"il_{i}_{n}", "description": f"Plan {n} for customer {i % 5000}",
                      "quantity": qty, "unit_amount": unit, "amount": qty * unit})
    due = sum(line["amount"] for line in lines)
    status = _STATUSES[(i + revision) % len(_STATUSES)]
    return {
        "id": f"inv_{i:08d}",
        "number": f"CN-{i:08d}",
        "customer": f"cus_{i % 5000:06d}",
        "currency": _CURRENCIES[i % len(_CURRENCIES)],
        "status": status,
        "amount_due": due,
        "amount_paid": due if status == "paid" else 0,
        "tax_rate": round(rng.random() * 0.25, 4),
        "paid": status == "paid",
        "created": created.isoformat(),
        "updated_at": (created + timedelta(hours=revision)).isoformat(),
        "lines": lines,
        "metadata": {"region": ("emea", "amer", "apac")[i % 3], "revision": revision},
    }


def schema_message(stream: str = STREAM) -> dict[str, Any]:
    return {"type": "SCHEMA", "stream": stream, "schema": INVOICE_SCHEMA, "key_properties": ["id"],
            "bookmark_properties": ["updated_at"]}


def invoice_messages(count: int, *, seed: int = 7, start: int = 0, revision: int = 0,
                     state_every: int = 0, stream: str = STREAM) -> Iterator[dict[str, Any]]:
    """SCHEMA, then `count` RECORDs (keys start..start+count-1), a STATE every `state_every` records and at the end."""
    rng = random.Random(seed)
    yield schema_message(stream)
    for n in range(count):
        i = start + n
        yield {"type": "RECORD", "stream": stream, "record": invoice(i, rng, revision)}
        if state_every and (n + 1) % state_every == 0:
            yield {"type": "STATE", "value": {"bookmarks": {stream: {"position": i + 1}}}}
    yield {"type": "STATE", "value": {"bookmarks": {stream: {"position": start + count}}}}


def write_stream(path: Path, messages: Iterator[dict[str, Any]]) -> Path:
    """Write Singer messages one JSON object per line."""
    with open(path, "wb") as fh:
        for msg in messages:
            fh.write(orjson.dumps(msg))
            fh.write(b"\n")
    return path


def write_invoice_stream(path: Path, count: int, **kwargs: Any) -> Path:
    """A Singer file of `count` invoice records (see `invoice_messages`)."""
    return write_stream(path, invoice_messages(count, **kwargs))
