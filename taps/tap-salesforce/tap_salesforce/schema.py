"""JSON schemas for sObjects from Salesforce `describe` metadata (typed: numbers, booleans, dates)."""

from __future__ import annotations

from typing import Any

DELETED_AT = "_sdc_deleted_at"
_NUMBER = {"currency", "double", "percent"}
_INTEGER = {"int", "long"}


def property_schema(field: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of one describe field (always nullable except `Id`)."""
    kind = field.get("type", "string")
    if kind == "boolean":
        out: dict[str, Any] = {"type": ["boolean", "null"]}
    elif kind in _INTEGER:
        out = {"type": ["integer", "null"]}
    elif kind in _NUMBER:
        out = {"type": ["number", "null"]}
    elif kind == "datetime":
        out = {"type": ["string", "null"], "format": "date-time"}
    elif kind == "date":
        out = {"type": ["string", "null"], "format": "date"}
    else:
        out = {"type": ["string", "null"]}
    if field["name"] == "Id":
        out["type"] = out["type"][0]
    return out


def sobject_schema(describe: dict[str, Any]) -> dict[str, Any]:
    """The stream schema: every describe field, plus `_sdc_deleted_at` (the deletion time, else null)."""
    properties = {f["name"]: property_schema(f) for f in describe["fields"]
                  if f.get("type") not in ("address", "location", "base64")}
    properties[DELETED_AT] = {"type": ["string", "null"], "format": "date-time"}
    return {"type": "object", "properties": properties, "required": ["Id"]}


def datetime_fields(describe: dict[str, Any]) -> tuple[str, ...]:
    """Names of the datetime fields (their `+0000` offsets are rewritten to RFC 3339 `+00:00`)."""
    return tuple(f["name"] for f in describe["fields"] if f.get("type") == "datetime")
