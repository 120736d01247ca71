"""The run ledger, `concord_meta.runs`: one row per (run id, stage), for every stage of a run.

Stages: `sync:<source>` (extract; the loader's own row is `load:<source>`), `transform`, `check`,
`writeback:<destination>`, `replay:<source>`. Any stage records itself with the context manager:

    with stage_run(run_id, "writeback:netsuite", source="netsuite") as stage:
        ...
        stage.records_in, stage.records_out = len(rows), sent
        stage.api_errors["429"] = stage.api_errors.get("429", 0) + 1

For a stage that calls an API, put the number of HTTP requests in `stage.detail["requests"]` and count
error responses with `stage.count_api_error(status)` and retries in `stage.retries`: the `ops_api_health` mart
turns them into failure and retry rates.

The row opens as `running` (a rerun with the same run id reopens it) and closes with the counts: `failed` when
the block raises (the exception propagates), otherwise `stage.status` (default `succeeded`; set `partial` when
some records were refused). Each write is its own short transaction on its own connection, so the ledger row
survives a rollback of the stage's work. A row left `running` by a process that died is closed `failed` by the
next run of its stage that holds the same lock (`close_abandoned`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import orjson

STATUSES = ("running", "succeeded", "failed", "partial")


@dataclass
class StageRun:
    """The counts a stage reports; mutate them inside `stage_run`."""

    run_id: str
    stage: str
    source: str | None = None
    status: str = "succeeded"
    records_in: int = 0
    records_out: int = 0
    quarantined: int = 0
    retries: int = 0
    api_errors: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    detail: dict[str, Any] = field(default_factory=dict)

    def count_api_error(self, status_code: int | str, n: int = 1) -> None:
        """Add `n` API errors answered with HTTP `status_code` (or a name such as `reset`, `timeout`)."""
        key = str(status_code)
        self.api_errors[key] = self.api_errors.get(key, 0) + n


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def open_row(url: str, run_id: str, stage: str, source: str | None = None) -> None:
    """Insert (or reopen) the `running` row of (run_id, stage)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into concord_meta.runs (run_id, stage, source) values (%s, %s, %s) "
            "on conflict (run_id, stage) do update set status = 'running', started_at = now(), ended_at = null, "
            "source = coalesce(excluded.source, concord_meta.runs.source)",
            (run_id, stage, source))


def _fail_running(url: str, where: str, params: tuple[Any, ...], reason_key: str, reason: str) -> int:
    """Close as `failed` the `running` rows matching `where`, with `reason` under `reason_key` in their detail."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "update concord_meta.runs set status = 'failed', ended_at = now(), "
            f"detail = detail || jsonb_build_object(%s::text, %s::text) where status = 'running' and {where}",
            (reason_key, reason[:500], *params)).rowcount


def close_abandoned(url: str, stages: list[str], run_id: str) -> int:
    """Close as `failed` the `running` rows of `stages` left by other runs; returns how many.

    Only for a caller that holds the advisory lock every run of those stages holds (`source:<name>` for
    sync and load, `destination:<name>` for a writeback): no other run of them can be alive, so such a row is
    the trace of a process that died without closing it (SIGKILL, OOM, a lost worker)."""
    return _fail_running(url, "stage = any(%s) and run_id <> %s", (stages, run_id), "abandoned",
                         f"its process ended without closing the stage; closed by run {run_id}")


def fail_if_running(url: str, run_id: str, stage: str, error: str) -> None:
    """Close the row of (run_id, stage) `failed` with `error` unless something closed it already."""
    _fail_running(url, "run_id = %s and stage = %s", (run_id, stage), "error", error)


def close_row(url: str, run: StageRun) -> None:
    """Close the row of (run.run_id, run.stage) with run's status and counts."""
    import psycopg

    if run.status not in STATUSES[1:]:
        raise ValueError(f"ledger status must be one of {STATUSES[1:]}, not {run.status!r}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "update concord_meta.runs set status = %s, ended_at = now(), records_in = %s, records_out = %s, "
            "quarantined = %s, retries = %s, api_errors = %s::jsonb, bytes = %s, detail = %s::jsonb "
            "where run_id = %s and stage = %s",
            (run.status, run.records_in, run.records_out, run.quarantined, run.retries, _dumps(run.api_errors),
             run.bytes, _dumps(run.detail), run.run_id, run.stage))


@contextmanager
def stage_run(run_id: str, stage: str, source: str | None = None, url: str | None = None) -> Iterator[StageRun]:
    """Record one stage of run `run_id` in the ledger around the block (see the module docstring)."""
    from concord.warehouse.connection import ready_url

    url = ready_url(url)
    run = StageRun(run_id, stage, source)
    open_row(url, run_id, stage, source)
    try:
        yield run
    except BaseException as exc:
        run.status = "failed"
        run.detail.setdefault("error", f"{type(exc).__name__}: {str(exc)[:500]}")
        with suppress(Exception):  # the stage's own error is the one to raise
            close_row(url, run)
        raise
    close_row(url, run)
