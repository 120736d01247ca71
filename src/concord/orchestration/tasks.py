"""The callables behind the DAGs' tasks. Each resolves settings, does one step under the Airflow run id (the
correlation id every landed row, check result and writeback carries) and returns a small JSON summary (XCom).

Every step is idempotent for its run id: extraction follows the warehouse bookmarks and merges by key, dbt
rebuilds the same selection, checks upsert their results, writebacks send only what differs from writeback_state.
Heavy imports (dbt, GX, the writeback engine) happen here, inside the task, never when a DAG file is parsed.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from concord.errors import ConcordError

log = logging.getLogger(__name__)

# A CLI sync of the same source may hold its advisory lock: wait this long, then fail and let Airflow retry.
LOCK_WAIT_SECONDS = 60.0


class SkipStep(ConcordError):
    """A step that has nothing to run here (e.g. the writeback engine is not installed); tasks turn it into a skip."""


class ChecksDidNotRun(ConcordError):
    """Some quality checks could not execute: the run fails (open exceptions alone never fail it)."""


def extract_load(source: str, run_id: str) -> dict[str, Any]:
    """tap-<source> | target-concord from the source's bookmarks, under the source's advisory lock."""
    from concord.orchestration.settings import warehouse_url
    from concord.sync.runner import sync_source

    warehouse_url()
    result = sync_source(source, run_id, LOCK_WAIT_SECONDS)
    return {"source": source, "records_in": result.records_in, "records_out": result.records_out,
            "quarantined": result.quarantined, "seconds": round(result.seconds, 2)}


def prepare_dbt_environment(context: Any = None) -> None:
    """`on_execute_callback` of the cosmos dbt tasks: the warehouse's connection for dbt's profile, secrets masked."""
    from concord.orchestration.settings import warehouse_url
    from concord.transform.dbt_env import profile_env

    os.environ.update(profile_env(warehouse_url()))
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    # Same reason as concord.transform.runner: JIT compiling costs more than these short queries take.
    if "jit=off" not in os.environ.get("PGOPTIONS", ""):
        os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} -c jit=off".strip()


def choose_build_scope(complete_build_exclude: list[str], context: Any) -> None:
    """`on_execute_callback` of the cosmos producer: keep its `hourly` selector when the warehouse's latest
    complete build ran the project code on disk, else widen it to a complete build (everything but
    `complete_build_exclude`), as `concord transform build --hourly` does."""
    from concord.observability.dbt_stage import transform_stage
    from concord.observability.ledger import open_row
    from concord.orchestration.settings import warehouse_url
    from concord.transform.build_state import complete_build_due
    from concord.transform.runner import project_dir

    producer = context["task"]
    url = warehouse_url()
    producer.concord_started = time.time()
    open_row(url, context["run_id"], transform_stage(None))
    producer.concord_complete_build, producer.concord_fingerprint = complete_build_due(url, project_dir())
    if producer.concord_complete_build:
        producer.selector = None
        producer.select = None
        producer.exclude = " ".join(complete_build_exclude)
        log.info("dbt: complete build (first run, or the project code changed since the last complete build)")
    else:
        log.info("dbt: hourly build (selector %s)", producer.selector)


def record_build_scope(context: Any) -> None:
    """`on_success_callback` of the cosmos producer: a complete build that succeeded becomes the base the next
    hourly builds need."""
    from concord.orchestration.settings import warehouse_url
    from concord.transform.build_state import record_complete_build

    producer = context["task"]
    if getattr(producer, "concord_complete_build", False):
        record_complete_build(warehouse_url(), producer.concord_fingerprint, context["run_id"])


def record_transform_results(project_dir: str, context: Any, **_: Any) -> None:
    """cosmos `callback` of the producer, called with its temporary project folder once dbt has run (whether or
    not it failed): the run's `transform` ledger row gets dbt's counts, as `concord transform build` writes it."""
    from pathlib import Path

    from concord.observability.dbt_stage import failed_nodes, fill_transform_stage, transform_stage
    from concord.observability.ledger import StageRun, close_row
    from concord.orchestration.settings import warehouse_url

    producer = context["task"]
    stage = StageRun(context["run_id"], transform_stage(None))
    fill_transform_stage(stage, Path(project_dir) / "target" / "run_results.json",
                         getattr(producer, "concord_started", 0.0))
    stage.status = "failed" if failed_nodes(stage) or not stage.records_in else "succeeded"
    stage.detail["scope"] = "complete" if getattr(producer, "concord_complete_build", False) else "hourly"
    if not stage.records_in:
        stage.detail["error"] = "dbt wrote no run results"
    close_row(warehouse_url(), stage)


def fail_transform_stage(context: Any) -> None:
    """`on_failure_callback` of the producer: a `transform` row still open (dbt never got to run) closes failed."""
    from concord.observability.dbt_stage import transform_stage
    from concord.observability.ledger import fail_if_running
    from concord.orchestration.settings import warehouse_url

    error = context.get("exception")
    fail_if_running(warehouse_url(), context["run_id"], transform_stage(None),
                    f"{type(error).__name__}: {error}" if error else "the dbt build task failed")


def dbt_build(select: str, run_id: str) -> dict[str, Any]:
    """One `dbt build --select path:<folder>` (the scheduled flavour: no unit tests, seeds only when changed).

    SkipStep when the manifest has no model under that folder (the part of the project is not in this build):
    starting dbt to select nothing would cost its whole start-up for no work.
    """
    from concord.orchestration.settings import warehouse_url
    from concord.transform.manifest import ensure_manifest, models_under
    from concord.transform.runner import build

    ensure_manifest()
    folder = select.removeprefix("path:")
    models = models_under(folder)
    if not models:
        raise SkipStep(f"the dbt project has no models under {folder} yet")
    result = build(warehouse_url(), select=select, hourly=True, run_id=run_id)
    return {"select": select, "models": len(models), "seconds": round(result.seconds, 2), "run_id": run_id}


def quality_checks(run_id: str) -> dict[str, Any]:
    """The GX checkpoint and the exception lifecycle; raises ChecksDidNotRun when a check could not execute."""
    from concord.orchestration.settings import warehouse_url
    from concord.quality.checkpoint import run_checks

    report = run_checks(warehouse_url(), run_id)
    summary = {"expectations": len(report.result.outcomes), "passed": len(report.result.passed),
               "failed": len(report.result.failed), "errored": len(report.result.errored),
               "open_exceptions": report.open_exceptions, "blocked_keys": report.blocked_keys,
               "blocked_sources": sorted({f.source for f in report.systemic})}
    if not report.succeeded:
        errors = "; ".join(o.error or o.spec.name for o in report.result.errored[:5])
        raise ChecksDidNotRun(f"{len(report.result.errored)} checks could not execute (run {run_id}): {errors}")
    return summary


def _writeback_engine() -> Any:
    try:
        from concord.writeback import runner
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("concord.writeback"):
            raise SkipStep("the writeback engine (concord.writeback) is not installed in this build") from None
        raise
    return runner


def writeback(destination: str, run_id: str) -> dict[str, Any]:
    """Send the changed wb_* rows of one destination (blocked keys excluded by the models); outcome counts."""
    from concord.orchestration.settings import warehouse_url

    engine = _writeback_engine()
    return dict(engine.run_writebacks(destination, run_id, url=warehouse_url()))


def replay_quarantine(source: str, stream: str | None, run_id: str) -> dict[str, Any]:
    """Re-load the unresolved quarantined records of `source` (one `stream` if given) through the loader."""
    from concord.loader.replay import replay_quarantine as replay
    from concord.orchestration.settings import warehouse_url
    from concord.sync.locks import resource_lock

    url = warehouse_url()
    with resource_lock(url, f"source:{source}", LOCK_WAIT_SECONDS):
        summary = replay(url, source, stream or None, run_id=run_id)
    return {"source": source, "stream": stream, "resolved": summary.resolved,
            "still_failing": {k: len(v) for k, v in summary.failing.items()}}


def replay_writebacks(destination: str, run_id: str) -> dict[str, Any]:
    """Re-send the dead-lettered writebacks of `destination` (what `concord replay --writebacks` does)."""
    from concord.orchestration.settings import warehouse_url

    engine = _writeback_engine()
    return dict(engine.run_writebacks(destination, run_id, url=warehouse_url(), replay=True))


def backfill_state_id(source: str) -> str:
    """The Singer state id a backfill of `source` writes (never the source's own bookmarks)."""
    return f"{source}:backfill"


def backfill(source: str, streams: list[str], start_date: str, run_id: str) -> dict[str, Any]:
    """Re-extract `streams` of `source` from `start_date` and merge them, leaving the source's bookmarks as they are.

    The tap starts with no bookmark for just these streams (tap settings `streams`, `start_date`); its STATE is
    kept under `<source>:backfill`, so the hourly run's bookmarks (and every other stream) stay untouched. The merge
    keeps the highest record version, so re-loading records the hourly run already has changes nothing.
    """
    from concord.orchestration.settings import warehouse_url
    from concord.sync.runner import sync_source

    if not streams:
        raise ConcordError(f"backfill of {source}: name the streams to re-process (param `streams`)")
    warehouse_url()
    result = sync_source(source, run_id, LOCK_WAIT_SECONDS, streams=list(streams), start_date=start_date,
                         state_id=backfill_state_id(source))
    return {"source": source, "streams": list(streams), "start_date": start_date,
            "records_out": result.records_out, "quarantined": result.quarantined,
            "seconds": round(result.seconds, 2)}


def replay_quarantine_if_named(source: str, params: dict[str, Any], run_id: str) -> dict[str, Any]:
    """concord_replay's per-source task: replay when `params['source']` names this source, else skip."""
    if params.get("source") != source:
        raise SkipStep(f"replay of {source} not requested")
    return replay_quarantine(source, params.get("stream") or None, run_id)


def replay_writebacks_if_named(destination: str, params: dict[str, Any], run_id: str) -> dict[str, Any]:
    """concord_replay's per-destination task: re-send dead letters when `params['destination']` names it."""
    if params.get("destination") != destination:
        raise SkipStep(f"writeback replay to {destination} not requested")
    return replay_writebacks(destination, run_id)


def backfill_if_named(source: str, params: dict[str, Any], run_id: str) -> dict[str, Any]:
    """concord_backfill's per-source task: backfill when `params['source']` names this source, else skip."""
    if params.get("source") != source:
        raise SkipStep(f"backfill of {source} not requested")
    return backfill(source, list(params.get("streams") or []), str(params["start_date"]), run_id)
