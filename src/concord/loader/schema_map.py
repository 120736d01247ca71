"""JSON schema → PostgreSQL columns, and which schema changes are safe widenings.

A property's *kind* is its column type: strings are `text` (`timestamptz` for `format: date-time`, `date` for
`format: date`), integers `bigint`, numbers `numeric`, booleans `boolean`; objects, arrays and mixed or untyped
properties one `jsonb` column. Widenings that lose nothing are applied to the table (`bigint → numeric`,
`date → timestamptz`, any scalar → `text`; strings are already unbounded `text`, so a longer `maxLength` needs
nothing); any other change of kind is incompatible: the column keeps its type and records carrying a value for
it are quarantined with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("text", "bigint", "numeric", "boolean", "timestamptz", "date", "jsonb")
PG_TYPE = {"text": "text", "bigint": "bigint", "numeric": "numeric", "boolean": "boolean",
           "timestamptz": "timestamptz", "date": "date", "jsonb": "jsonb"}
# pg_catalog type names (format_type) back to kinds, for tables that already exist.
_FROM_PG = {"text": "text", "bigint": "bigint", "numeric": "numeric", "boolean": "boolean",
            "timestamp with time zone": "timestamptz", "date": "date", "jsonb": "jsonb"}

# (column kind, declared kind) pairs where every declared value fits the existing column as is.
_FITS = {("numeric", "bigint"), ("timestamptz", "date")} | {("text", k) for k in ("bigint", "numeric", "boolean", "date", "timestamptz")}
# (column kind, declared kind) pairs the table is altered for: the column widens to the declared kind.
WIDENINGS = {("bigint", "numeric"), ("date", "timestamptz")} | {(k, "text") for k in ("bigint", "numeric", "boolean", "date", "timestamptz")}

META_COLUMNS = ("_concord_run_id", "_concord_loaded_at", "_concord_version", "_concord_deleted", "_concord_table_version")
VERSION_PROPERTY = "_concord_version"
SEQUENCE_PROPERTY = "_sdc_sequence"
DELETED_AT_PROPERTY = "_sdc_deleted_at"
DELETED_FLAGS = ("is_deleted", "isdeleted", "deleted")


def _types_and_format(prop: Mapping[str, Any]) -> tuple[set[str], set[str | None]]:
    members = prop.get("anyOf") or prop.get("oneOf")
    if "type" not in prop and isinstance(members, list):
        types: set[str] = set()
        formats: set[str | None] = set()
        for member in members:
            if isinstance(member, Mapping):
                t, f = _types_and_format(member)
                types |= t
                if t - {"null"}:
                    formats |= f
        return types, formats
    raw = prop.get("type")
    types = {raw} if isinstance(raw, str) else {t for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()
    return types, {prop.get("format")}


def kind_for(prop: Any) -> str:
    """The column kind for one property schema (unknown or mixed types are `jsonb`)."""
    if not isinstance(prop, Mapping):
        return "jsonb"
    types, formats = _types_and_format(prop)
    non_null = types - {"null"}
    if non_null == {"string"}:
        if formats == {"date-time"}:
            return "timestamptz"
        if formats == {"date"}:
            return "date"
        return "text"
    if non_null == {"integer"}:
        return "bigint"
    if non_null in ({"number"}, {"integer", "number"}):
        return "numeric"
    if non_null == {"boolean"}:
        return "boolean"
    return "jsonb"


def kind_from_pg(type_name: str) -> str:
    """The kind of an existing column from its `format_type` name (anything else counts as jsonb-like text)."""
    return _FROM_PG.get(type_name, "text" if type_name.startswith(("character", "varchar")) else "jsonb")


@dataclass(frozen=True)
class Column:
    """A property column: `kind` is the column's type, `check` the kind its values are validated as."""

    name: str
    kind: str
    check: str
    incompatible: str | None = None  # reason records with a value here are quarantined


@dataclass
class StreamShape:
    """A stream's columns after comparing the declared schema with the existing table."""

    columns: list[Column]
    key: list[str]
    version_property: str | None
    version_kind: str
    add: list[Column] = field(default_factory=list)
    widen: list[tuple[str, str, str]] = field(default_factory=list)  # (name, from kind, to kind)
    incompatible: dict[str, str] = field(default_factory=dict)  # name -> reason
    rejected: str | None = None  # set when every record must be quarantined (e.g. the key changed)


def properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    props = schema.get("properties")
    return dict(props) if isinstance(props, Mapping) else {}


def choose_version_property(props: Mapping[str, Any], bookmark_properties: list[str] | None,
                            configured: str | None) -> str | None:
    """Which property orders record versions: configured, `_concord_version`, the replication key, `_sdc_sequence`."""
    if configured and configured in props:
        return configured
    if VERSION_PROPERTY in props:
        return VERSION_PROPERTY
    for name in bookmark_properties or []:
        if name in props:
            return name
    if SEQUENCE_PROPERTY in props:
        return SEQUENCE_PROPERTY
    return None


def version_kind(prop_kind: str | None) -> str:
    """`_concord_version` is timestamptz for date-times, numeric for numbers (and when absent), else text."""
    if prop_kind in ("timestamptz", "date"):
        return "timestamptz"
    if prop_kind in (None, "bigint", "numeric"):
        return "numeric"
    return "text"


def shape(schema: Mapping[str, Any], key: list[str], bookmark_properties: list[str] | None,
          configured_version: str | None, existing: Mapping[str, str] | None,
          existing_version_kind: str | None = None) -> StreamShape:
    """Columns for a declared schema against the table's existing columns (`existing`: name → kind, or None)."""
    props = properties(schema)
    version_prop = choose_version_property(props, bookmark_properties, configured_version)
    vkind = version_kind(kind_for(props[version_prop]) if version_prop else None)
    rejected = None
    if existing_version_kind and existing_version_kind != vkind:
        if version_prop is None or (existing_version_kind, vkind) in _FITS:
            vkind = existing_version_kind  # no versions, or versions that fit the existing column
        else:
            rejected = (f"incompatible schema change: the version property '{version_prop}' is now {vkind}, "
                        f"_concord_version is {existing_version_kind}")
            vkind = existing_version_kind
    result = StreamShape([], key, version_prop, vkind, rejected=rejected)
    for name, prop in props.items():
        if name == VERSION_PROPERTY:
            continue  # lands in the _concord_version meta column
        declared = kind_for(prop)
        have = None if existing is None else existing.get(name)
        if have is None:
            col = Column(name, declared, declared)
            if existing is not None:
                result.add.append(col)
        elif have == declared or (have, declared) in _FITS:
            col = Column(name, have, declared)
        elif (have, declared) in WIDENINGS:
            col = Column(name, declared, declared)
            result.widen.append((name, have, declared))
        else:
            reason = f"incompatible schema change: '{name}' is now {declared}, the column is {have}"
            col = Column(name, have, declared, incompatible=reason)
            result.incompatible[name] = reason
        result.columns.append(col)
    if existing is not None:
        declared_names = {c.name for c in result.columns}
        for name, have in existing.items():
            if name not in declared_names:  # dropped from the schema: the column stays, values arrive as null
                result.columns.append(Column(name, have, have))
    return result
