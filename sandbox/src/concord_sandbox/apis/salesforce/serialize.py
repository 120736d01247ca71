"""Rows of the store as Salesforce REST records: `attributes {type, url}` first, booleans as JSON booleans.

Datetimes are stored in the API's own format (`2026-01-01T00:00:00.000+0000`) and pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from concord_sandbox.apis.salesforce.objects import Field


def record_builder(sobject: str, version: str, fields: Sequence[Field]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A function turning one row (the selected fields, then `Id`) into the API's record dict."""
    names = [f.name for f in fields]
    booleans = [f.name for f in fields if f.type == "boolean"]
    prefix = f"/services/data/v{version}/sobjects/{sobject}/"

    def build(row: Sequence[Any]) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": {"type": sobject, "url": prefix + row[-1]}}
        record.update(zip(names, row, strict=False))
        for name in booleans:
            value = record[name]
            if value is not None:
                record[name] = bool(value)
        return record

    return build

