"""Response bodies: list envelopes assembled from the stored JSON documents, embedded-list limits, `expand[]`.

Documents are stored as the JSON the API returns, so a page is built by joining them as bytes; a document is
only parsed when it must change (an expansion, or an invoice whose embedded `lines` exceed 10).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from concord_sandbox.apis.stripe.errors import invalid_request
from concord_sandbox.apis.stripe.resources import TABLE_BY_PREFIX

EMBEDDED_LIST_LIMIT = 10
EMBEDDED_LISTS = ("lines", "items")  # invoice lines, subscription items
_ITEM_MARKS = (b'"object":"line_item"', b'"object":"subscription_item"')


def list_body(docs: list[bytes], has_more: bool, url: str) -> bytes:
    """A Stripe list object around already-serialised documents."""
    return (b'{"object":"list","data":[' + b",".join(docs) + b'],"has_more":'
            + (b"true" if has_more else b"false") + b',"url":' + orjson.dumps(url) + b"}")


def truncate_embedded_lines(doc: dict[str, Any]) -> dict[str, Any]:
    """Keep the first 10 embedded invoice lines / subscription items, flagging `has_more` (the rest come from
    `/v1/invoices/{id}/lines` and `/v1/subscription_items?subscription=…`)."""
    for name in EMBEDDED_LISTS:
        embedded = doc.get(name)
        if isinstance(embedded, dict) and len(embedded.get("data", ())) > EMBEDDED_LIST_LIMIT:
            doc[name] = {**embedded, "data": embedded["data"][:EMBEDDED_LIST_LIMIT], "has_more": True}
    return doc


def needs_parsing(raw: bytes, expand: list[str]) -> bool:
    """Whether a stored document must be parsed before it is returned."""
    return bool(expand) or any(raw.count(mark) > EMBEDDED_LIST_LIMIT for mark in _ITEM_MARKS)


def prepare(raw: bytes, expand: list[str], conn: sqlite3.Connection) -> bytes:
    """The document as the API returns it: embedded lines limited, requested ids expanded."""
    if not needs_parsing(raw, expand):
        return raw
    doc = truncate_embedded_lines(orjson.loads(raw))
    for path in expand:
        expand_path(doc, path.split("."), path, conn)
    return orjson.dumps(doc)


def expand_path(node: Any, parts: list[str], full: str, conn: sqlite3.Connection) -> None:
    """Replace the id at `parts` (dotted path, lists traversed element-wise) by the object it names.

    Raises 400 naming the `expand` path when a segment does not exist or does not hold an expandable id.
    """
    if isinstance(node, list):
        for item in node:
            expand_path(item, parts, full, conn)
        return
    if not isinstance(node, dict) or parts[0] not in node:
        raise invalid_request(f"This property cannot be expanded ({full}).", param="expand")
    head, rest = parts[0], parts[1:]
    value = node[head]
    if isinstance(value, str):
        node[head] = value = _load(value, full, conn)
    if rest and value is not None:
        expand_path(value, rest, full, conn)


def _load(object_id: str, full: str, conn: sqlite3.Connection) -> dict[str, Any]:
    table = TABLE_BY_PREFIX.get(object_id.partition("_")[0])
    if table is None:
        raise invalid_request(f"This property cannot be expanded ({full}).", param="expand")
    row = conn.execute(f"select data from {table} where id = ?", (object_id,)).fetchone()
    if row is None:
        raise invalid_request(f"This property cannot be expanded ({full}).", param="expand")
    return truncate_embedded_lines(orjson.loads(row[0]))
