"""What a writeback target is: one `wb_*` model written to one destination, its columns mapped to API fields
and to the ownership seed's (object, attribute)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Columns every wb_* model carries that are not written: the row's key, its id in the destination when known,
# and Concord's validation verdict.
RESERVED = ("key", "destination_id", "invalid_reason")


@dataclass(frozen=True)
class Field:
    """A model column written as API field `api`; ownership decides per row whether it may be sent."""

    column: str
    api: str
    object: str
    attribute: str


@dataclass(frozen=True)
class Target:
    name: str                      # e.g. netsuite.invoices (writeback_state.target)
    destination: str               # salesforce | netsuite | stripe
    model: str                     # the wb_* model in schema `writeback`
    fields: tuple[Field, ...]      # attribute columns (ownership applies)
    header: tuple[str, ...] = ()   # references and document header: not attributes, sent on create only
    required: tuple[str, ...] = () # columns that must be non-null for the row to be valid
    sources: tuple[str, ...] = ()  # the sources its data comes from (a systemically blocked one stops it)
    destination_rows_sql: str = "" # count of the destination's rows of this kind (the change guard's base)

    def field(self, column: str) -> Field | None:
        return next((f for f in self.fields if f.column == column), None)


@dataclass
class Item:
    """One row to send: its key, whether it creates, the values that passed ownership, their content hash."""

    target: Target
    key: str
    creating: bool
    values: dict[str, Any]         # column → value, ownership applied (header columns only when creating)
    content_hash: str
    attempt: int
    destination_id: str | None = None


@dataclass
class Result:
    """What the destination said about one item."""

    key: str
    ok: bool
    retriable: bool = False
    http_status: int | None = None
    error: str | None = None
    destination_id: str | None = None
