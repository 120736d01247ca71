"""The checkpoint: runs the suites with GX Core 1.x in-process and records `concord_meta.check_results`.

One ephemeral GX context per call; per checked table one PostgreSQL datasource and table asset, and per suite
and table up to two validation definitions, named `<suite>.<schema>.<table>` in Data Docs (`where` becomes GX row
conditions): the column-map expectations in COMPLETE format with
the key columns as `unexpected_index_column_names`, so every failing row's keys come back from GX, and the
uniqueness ones with counts, their rows named by `failing_rows`. `seconds` includes GX's import on first use
(it costs seconds, and happens here only).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg.conninfo import conninfo_to_dict

from concord.quality import failing_rows
from concord.quality.data_docs import build_data_docs
from concord.quality.outcomes import CheckOutcome, CheckpointResult
from concord.quality.suites import ExpectationSpec, Suite
from concord.warehouse.connection import ready_url, redact

_META_KEY = "concord_expectation"
DEFAULT_MAX_FAILING_ROWS = 100_000


def sqlalchemy_url(url: str, schema: str | None = None) -> str:
    """The psycopg URL or conninfo as a SQLAlchemy URL for GX (psycopg2 driver), optionally with `schema` as the
    search path (GX 1.x deprecates a table asset's schema_name in favour of the connection's schema)."""
    from sqlalchemy.engine import URL

    params = conninfo_to_dict(url)
    query = {k: v for k, v in params.items() if k not in {"user", "password", "host", "port", "dbname"}}
    if schema is not None:
        query["options"] = f"{query.get('options', '')} -csearch_path={_quote(schema)}".strip()
    return URL.create(
        "postgresql+psycopg2",
        username=params.get("user"),
        password=params.get("password"),
        host=params.get("host"),
        port=int(params["port"]) if params.get("port") else None,
        database=params.get("dbname"),
        query=query,
    ).render_as_string(hide_password=False)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _row_condition(spec: ExpectationSpec) -> Any:
    from great_expectations.expectations.row_conditions import (
        AndCondition,
        Column,
        ComparisonCondition,
        Operator,
    )

    conditions = [
        ComparisonCondition(column=Column(name=c.column), operator=Operator(c.op),
                            parameter=list(c.value) if isinstance(c.value, tuple) else c.value)
        for c in spec.where
    ]
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else AndCondition(conditions=conditions)


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _error_text(exception_info: Any) -> str | None:
    """GX reports a failed metric either as {raised_exception, exception_message} or as a dict of such per metric."""
    if not isinstance(exception_info, dict):
        return None
    if exception_info.get("raised_exception"):
        return _first_line(str(exception_info.get("exception_message") or "GX raised an exception"))
    for value in exception_info.values():
        if isinstance(value, dict) and (value.get("raised_exception") or value.get("exception_message")):
            return _first_line(str(value.get("exception_message") or "GX raised an exception"))
    return None


def _outcome(url: str, spec: ExpectationSpec, result: Any, max_failing_rows: int) -> CheckOutcome:
    error = _error_text(result.exception_info)
    body = result.result or {}
    if error is not None or "element_count" not in body:
        reason = redact(error) if error else "GX returned no result for this expectation"
        return CheckOutcome(spec, "error", error=f"{spec.qualified_table}: {reason}")
    unexpected = int(body.get("unexpected_count") or 0)
    index_list = body.get("unexpected_index_list")
    if failing_rows.supports(spec):
        index_list = failing_rows.failing_rows(url, spec) if unexpected else []
        if len(index_list) != unexpected:
            return CheckOutcome(spec, "error", error=(
                f"{spec.qualified_table}: GX counted {unexpected} failing rows, the key query found {len(index_list)}"))
    elif len(index_list or []) != unexpected:
        # Failing rows whose keys are unknown cannot become exceptions: never a silent (partial) pass.
        cap = f" (max_failing_rows is {max_failing_rows})" if unexpected > max_failing_rows else ""
        return CheckOutcome(spec, "error", error=(
            f"{spec.qualified_table}: GX reported {unexpected} failing rows but the keys of "
            f"{len(index_list or [])}{cap}"))
    rows = [{column: row.get(column) for column in spec.key_columns} for row in index_list or []]
    return CheckOutcome(
        spec,
        "success" if result.success else "failure",
        element_count=int(body["element_count"]),
        unexpected_count=unexpected,
        unexpected_percent=float(body.get("unexpected_percent") or 0.0),
        failing_rows=rows,
    )


def _validate(
    context: Any, batch: Any, name: str, specs: list[ExpectationSpec], result_format: dict, run: Any
) -> Any:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = context.suites.add(gx.ExpectationSuite(name=name))
    for spec in specs:
        cls = getattr(gxe, "".join(part.capitalize() for part in spec.type.split("_")))
        extra: dict[str, Any] = {"meta": {_META_KEY: spec.name}}
        condition = _row_condition(spec)
        if condition is not None:
            extra["row_condition"] = condition
        suite.add_expectation(cls(**spec.kwargs, **extra))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    return definition.run(result_format=result_format, run_id=run)


def _check_relation(
    context: Any, url: str, batches: dict[str, Any], specs: list[ExpectationSpec], max_failing_rows: int, run: Any
) -> list[CheckOutcome]:
    """One suite's expectations on one table: those GX can name the failing rows of in one validation (COMPLETE
    with the key columns as index), the uniqueness ones in another (counts; rows by our query, see failing_rows).
    `batches` holds each table's batch definition across suites (one datasource per table)."""
    table = specs[0].qualified_table
    # The GX suite is named after the Concord suite and the table it checks (what Data Docs lists).
    gx_name = f"{specs[0].suite}.{table}"
    indexed = [s for s in specs if not failing_rows.supports(s)]
    queried = [s for s in specs if failing_rows.supports(s)]
    results: list[Any] = []
    try:
        batch = batches.get(table)
        if isinstance(batch, Exception):  # another suite already found the table unusable
            raise batch
        if batch is None:
            # One datasource (one SQLAlchemy engine) per table, with the table's schema as its search path: GX
            # caches column names per engine, and with a shared engine a later table's case-preserved columns
            # ("Id") resolved against an earlier table's ("id").
            try:
                datasource = context.data_sources.add_postgres(
                    f"warehouse_{len(batches)}", connection_string=sqlalchemy_url(url, specs[0].schema))
                asset = datasource.add_table_asset(table, table_name=_quote(specs[0].table))
                batch = batches[table] = asset.add_batch_definition_whole_table("whole")
            except Exception as exc:
                batches[table] = exc
                raise
        if indexed:
            key_columns = list(dict.fromkeys(c for s in indexed for c in s.key_columns))
            results += _validate(context, batch, gx_name, indexed, {
                "result_format": "COMPLETE",
                # GX truncates a SQL index list at partial_unexpected_count (default 20) even in COMPLETE.
                "partial_unexpected_count": max_failing_rows,
                "unexpected_index_column_names": key_columns,
                "return_unexpected_index_query": False,
            }, run).results
        if queried:
            results += _validate(
                context, batch, f"{gx_name}.uniqueness", queried, {"result_format": "SUMMARY"}, run).results
    except Exception as exc:  # any GX or database failure means these checks could not execute
        reason = redact(f"{table}: {type(exc).__name__}: {_first_line(str(exc))}")
        return [CheckOutcome(spec, "error", error=reason) for spec in specs]
    by_name = {spec.name: spec for spec in specs}
    outcomes: dict[str, CheckOutcome] = {}
    for result in results:
        name = (result.expectation_config.meta or {}).get(_META_KEY)
        if name in by_name:
            try:
                outcomes[name] = _outcome(url, by_name[name], result, max_failing_rows)
            except psycopg.Error as exc:
                outcomes[name] = CheckOutcome(by_name[name], "error", error=f"{table}: failing rows query: {exc}")
    return [outcomes.get(s.name) or CheckOutcome(s, "error", error=f"{table}: GX returned no result") for s in specs]


def _record(url: str, run_id: str, outcomes: Iterable[CheckOutcome]) -> None:
    """Write (or, for a re-run of the same run id, replace) the run's check_results rows."""
    with psycopg.connect(url) as conn:
        for o in outcomes:
            detail: dict[str, Any] = {"table": o.spec.qualified_table, "type": o.spec.type, "class": o.spec.fault_class}
            if o.error:
                detail["error"] = o.error
            if o.failing_rows:
                detail["failing_keys_sample"] = o.failing_rows[:20]
            conn.execute(
                "insert into concord_meta.check_results (run_id, suite, expectation, source, table_name, status, "
                "element_count, unexpected_count, unexpected_percent, policy, detail) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) "
                "on conflict (run_id, suite, expectation) do update set status = excluded.status, "
                "element_count = excluded.element_count, unexpected_count = excluded.unexpected_count, "
                "unexpected_percent = excluded.unexpected_percent, policy = excluded.policy, "
                "detail = excluded.detail, checked_at = now()",
                (run_id, o.spec.suite, o.spec.name, o.spec.source, o.spec.qualified_table, o.status,
                 o.element_count, o.unexpected_count, o.unexpected_percent, o.spec.policy,
                 orjson.dumps(detail, default=str).decode()),
            )


def run_checkpoint(
    url: str,
    run_id: str,
    suites: list[Suite],
    max_failing_rows: int = DEFAULT_MAX_FAILING_ROWS,
    docs_dir: Path | None = None,
) -> CheckpointResult:
    """Run every expectation of `suites` against the warehouse at `url`; record and return the outcomes.

    Never raises for a check that cannot execute: that check's outcome is `error` (and the result fails), as is
    one with more failing rows than `max_failing_rows` (their keys would be incomplete). With `docs_dir`, the
    run's Data Docs are built there (replacing the previous run's); a docs failure is reported in the result,
    it does not fail the checks.
    """
    started = time.perf_counter()
    url = ready_url(url)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    run = RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
    groups: dict[tuple[str, str, str], list[ExpectationSpec]] = defaultdict(list)
    for suite in suites:
        for spec in suite.expectations:
            groups[(spec.suite, spec.schema, spec.table)].append(spec)
    outcomes: list[CheckOutcome] = []
    batches: dict[str, Any] = {}
    for specs in groups.values():
        outcomes.extend(_check_relation(context, url, batches, specs, max_failing_rows, run))
    _record(url, run_id, outcomes)
    checked = time.perf_counter()
    docs_index, docs_error = None, None
    if docs_dir is not None:
        try:
            docs_index = build_data_docs(context, docs_dir)
        except Exception as exc:  # reported by the caller; the checks themselves ran
            docs_error = redact(f"{type(exc).__name__}: {_first_line(str(exc))}")
    return CheckpointResult(
        run_id=run_id, outcomes=outcomes, seconds=checked - started, docs_index=docs_index,
        docs_error=docs_error, docs_seconds=time.perf_counter() - checked)
