"""JSON schemas for the streams, built from a compact field list per resource.

Top-level fields are typed (all nullable, as Stripe omits or nulls many); nested objects and lists stay open
objects/arrays (the loader lands them as jsonb). Money fields are integers in the currency's minor unit.
"""

from __future__ import annotations

from typing import Any

_KINDS: dict[str, dict[str, Any]] = {
    "str": {"type": ["string", "null"]},
    "int": {"type": ["integer", "null"]},
    "num": {"type": ["number", "null"]},
    "bool": {"type": ["boolean", "null"]},
    "obj": {"type": ["object", "null"], "additionalProperties": True},
    "arr": {"type": ["array", "null"], "items": {}},
    "time": {"type": ["string", "null"], "format": "date-time"},
    "any": {},
}

# Every stream's own fields: the replication key, the record version, the event that carried it, the deletion.
CONCORD_FIELDS = {"_concord_updated": "int", "_concord_version": "int", "_concord_event_id": "str", "_sdc_deleted_at": "time"}


def build_schema(fields: str) -> dict[str, Any]:
    """A JSON schema from `"name:kind name:kind …"` (kinds: str int num bool obj arr time any) plus the
    tap's own fields; `id` is required."""
    properties: dict[str, Any] = {}
    for item in fields.split():
        name, _, kind = item.partition(":")
        properties[name] = dict(_KINDS[kind])
    for name, kind in CONCORD_FIELDS.items():
        properties[name] = dict(_KINDS[kind])
    properties["id"] = {"type": ["string"]}
    return {"type": "object", "properties": properties, "required": ["id"], "additionalProperties": True}
