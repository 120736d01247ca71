"""Suites as code: the declarative expectation format in `expectations/suites/*.json`, and its loader.

A suite file is `{"suite": name, "expectations": [...]}`; each expectation:

    name         unique within the suite (the check_results / exceptions key)
    table        "schema.table", case preserved (raw_salesforce.Account)
    where        optional list of row conditions, all of which a checked row meets:
                 {"column": c, "op": "==" | "!=" | "<" | "<=" | ">" | ">=" | "IN" | "NOT_IN", "value": v}
                 (GX row conditions; they keep case-preserved column names, which a query asset does not)
    type         a supported GX expectation type (SUPPORTED_TYPES) and its kwargs
    class        the exception class a failing row reports (fault_classes.EXCEPTION_CLASSES)
    keys         {system: {object: column}}: the column holding each implicated business object's key
    policy       "block" (the keys are excluded from writebacks) or "warn" (recorded only)
    steward_team optional; otherwise the class's steward from quality.toml
    source       optional; defaults to <source> of a raw_<source> schema (what a systemic failure blocks)
    group_by     optional column: failing rows sharing its value form one exception holding all their keys
                 (two accounts with one tax id are one duplicate, as in the sandbox's ground truth)

Any `where` value or kwargs value may be `{"param": name}`: the value of `name` in quality.toml's
[parameters] (SLAs and thresholds are configuration, not suite text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from concord.quality.config import CONFIG_NAME, expectations_dir, load_config
from concord.quality.errors import SuiteDefinitionError
from concord.quality.fault_classes import EXCEPTION_CLASSES, SYSTEMS

# Expectation type -> kwargs it requires. Only row-level (map) expectations: each failing row names the keys of
# the business object it implicates, which is what an exception is about.
SUPPORTED_TYPES: dict[str, tuple[str, ...]] = {
    "expect_column_values_to_not_be_null": ("column",),
    "expect_column_values_to_be_unique": ("column",),
    "expect_column_values_to_be_in_set": ("column", "value_set"),
    "expect_column_values_to_not_be_in_set": ("column", "value_set"),
    "expect_column_values_to_match_regex": ("column", "regex"),
    "expect_column_values_to_be_between": ("column",),
    "expect_compound_columns_to_be_unique": ("column_list",),
}
POLICIES = ("block", "warn")
WHERE_OPS = ("==", "!=", "<", "<=", ">", ">=", "IN", "NOT_IN")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = {"name", "table", "where", "type", "kwargs", "class", "keys", "policy", "steward_team", "source", "group_by"}


@dataclass(frozen=True)
class RowCondition:
    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class ExpectationSpec:
    """One declared expectation, validated."""

    suite: str
    name: str
    schema: str
    table: str
    where: tuple[RowCondition, ...]
    type: str
    kwargs: dict[str, Any]
    fault_class: str
    keys: dict[str, dict[str, str]]
    policy: str
    steward_team: str | None
    source: str
    group_by: str | None = None

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def key_columns(self) -> list[str]:
        """The distinct columns holding the implicated keys, in declaration order."""
        seen: list[str] = []
        for objects in self.keys.values():
            for column in objects.values():
                if column not in seen:
                    seen.append(column)
        if self.group_by and self.group_by not in seen:
            seen.append(self.group_by)
        return seen


@dataclass(frozen=True)
class Suite:
    name: str
    path: str
    expectations: tuple[ExpectationSpec, ...]


def _resolve(value: Any, parameters: dict[str, Any], bad: Callable[[str], SuiteDefinitionError]) -> Any:
    """`value` with a `{"param": name}` reference replaced by the configured parameter."""
    if isinstance(value, dict) and set(value) == {"param"}:
        name = value["param"]
        if name not in parameters:
            raise bad(f"parameter {name!r} is not defined in quality.toml [parameters]; defined: {sorted(parameters)}")
        return parameters[name]
    return value


def _conditions(raw: Any, bad: Callable[[str], SuiteDefinitionError],
                parameters: dict[str, Any]) -> tuple[RowCondition, ...]:
    if not isinstance(raw, list):
        raise bad("`where` must be a list of {column, op, value} conditions")
    out = []
    for cond in raw:
        if not isinstance(cond, dict) or set(cond) != {"column", "op", "value"}:
            raise bad("each `where` condition must be exactly {column, op, value}")
        if not isinstance(cond["column"], str) or not cond["column"]:
            raise bad("a `where` condition's column must be a column name")
        if cond["op"] not in WHERE_OPS:
            raise bad(f"`where` op {cond['op']!r} is not one of {list(WHERE_OPS)}")
        cond = {**cond, "value": _resolve(cond["value"], parameters, bad)}
        if cond["value"] is None:
            raise bad("a `where` condition's value cannot be null")
        if cond["op"] in ("IN", "NOT_IN") and not isinstance(cond["value"], list):
            raise bad(f"`where` op {cond['op']} needs a list value")
        value = tuple(cond["value"]) if isinstance(cond["value"], list) else cond["value"]
        out.append(RowCondition(cond["column"], cond["op"], value))
    return tuple(out)


def _expectation(path: str, suite: str, raw: Any, index: int, parameters: dict[str, Any]) -> ExpectationSpec:
    if not isinstance(raw, dict):
        raise SuiteDefinitionError(path, f"#{index}", "an expectation must be a JSON object")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SuiteDefinitionError(path, f"#{index}", "`name` must be lowercase letters, digits and underscores")

    def bad(reason: str) -> SuiteDefinitionError:
        return SuiteDefinitionError(path, name, reason)

    unknown = set(raw) - _FIELDS
    if unknown:
        raise bad(f"unknown fields {sorted(unknown)}")
    table = raw.get("table")
    if not isinstance(table, str) or "." not in table:
        raise bad("`table` must be 'schema.table'")
    schema, _, table_name = table.partition(".")
    table_name = table_name.strip('"')
    if not schema or not table_name:
        raise bad("`table` must be 'schema.table'")
    gx_type = raw.get("type")
    if gx_type not in SUPPORTED_TYPES:
        raise bad(f"`type` {gx_type!r} is not supported; supported: {sorted(SUPPORTED_TYPES)}")
    kwargs = raw.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise bad("`kwargs` must be an object")
    kwargs = {k: _resolve(v, parameters, bad) for k, v in kwargs.items()}
    missing = [k for k in SUPPORTED_TYPES[gx_type] if k not in kwargs]
    if missing:
        raise bad(f"{gx_type} needs kwargs {missing}")
    if gx_type == "expect_column_values_to_be_between" and "min_value" not in kwargs and "max_value" not in kwargs:
        raise bad("expect_column_values_to_be_between needs min_value or max_value")
    fault_class = raw.get("class")
    if fault_class not in EXCEPTION_CLASSES:
        raise bad(f"`class` {fault_class!r} is not one of {sorted(EXCEPTION_CLASSES)}")
    keys = raw.get("keys")
    if not isinstance(keys, dict) or not keys:
        raise bad("`keys` must map a system to {object: key column}")
    for system, objects in keys.items():
        if system not in SYSTEMS:
            raise bad(f"`keys` names unknown system {system!r}; systems: {sorted(SYSTEMS)}")
        if (not isinstance(objects, dict) or not objects
                or not all(isinstance(c, str) and c for c in objects.values())):
            raise bad(f"`keys.{system}` must map an object name to the column holding its key")
    policy = raw.get("policy")
    if policy not in POLICIES:
        raise bad(f"`policy` must be one of {list(POLICIES)}, got {policy!r}")
    steward = raw.get("steward_team")
    if steward is not None and (not isinstance(steward, str) or not steward):
        raise bad("`steward_team` must be a team name")
    where = _conditions(raw.get("where", []), bad, parameters)
    group_by = raw.get("group_by")
    if group_by is not None and (not isinstance(group_by, str) or not group_by):
        raise bad("`group_by` must be a column name")
    source = raw.get("source") or (schema[4:] if schema.startswith("raw_") else None)
    if source not in SYSTEMS:
        raise bad(f"`source` must be one of {sorted(SYSTEMS)} (or the table in a raw_<source> schema)")
    return ExpectationSpec(
        suite=suite, name=name, schema=schema, table=table_name, where=where, type=gx_type, kwargs=dict(kwargs),
        fault_class=fault_class, keys={s: dict(o) for s, o in keys.items()}, policy=policy,
        steward_team=steward, source=source, group_by=group_by,
    )


def parse_suite(path: str, document: Any, parameters: dict[str, Any] | None = None) -> Suite:
    """Validate one suite document (already parsed JSON); `path` names it in errors; `parameters` resolve
    `{"param": name}` values."""
    if not isinstance(document, dict):
        raise SuiteDefinitionError(path, None, "a suite must be a JSON object")
    name = document.get("suite")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SuiteDefinitionError(path, None, "`suite` must be lowercase letters, digits and underscores")
    items = document.get("expectations")
    if not isinstance(items, list) or not items:
        raise SuiteDefinitionError(path, None, "`expectations` must be a non-empty list")
    specs = tuple(_expectation(path, name, raw, i, parameters or {}) for i, raw in enumerate(items))
    names = [s.name for s in specs]
    for dup in {n for n in names if names.count(n) > 1}:
        raise SuiteDefinitionError(path, dup, "the name is used twice in the suite")
    return Suite(name=name, path=path, expectations=specs)


def load_suites(
    directory: Path | None = None, names: list[str] | None = None, parameters: dict[str, Any] | None = None
) -> list[Suite]:
    """Every suite in `<directory>/suites/*.json` (default: `expectations_dir()`), or only those in `names`.

    `parameters` default to quality.toml's [parameters] in the same directory (none when it has no quality.toml).
    """
    base = directory or expectations_dir()
    folder = base / "suites"
    if parameters is None:
        parameters = load_config(base).parameters if (base / CONFIG_NAME).is_file() else {}
    suites: list[Suite] = []
    for file in sorted(folder.glob("*.json")):
        try:
            document = json.loads(file.read_text())
        except json.JSONDecodeError as exc:
            raise SuiteDefinitionError(str(file), None, f"not valid JSON: {exc}") from exc
        suites.append(parse_suite(str(file), document, parameters))
    seen: dict[str, str] = {}
    for suite in suites:
        if suite.name in seen:
            raise SuiteDefinitionError(suite.path, None, f"suite {suite.name!r} is also defined in {seen[suite.name]}")
        seen[suite.name] = suite.path
    if names is not None:
        unknown = sorted(set(names) - set(seen))
        if unknown:
            raise SuiteDefinitionError(str(folder), None, f"no suite named {unknown}; suites: {sorted(seen)}")
        suites = [s for s in suites if s.name in names]
    return suites
