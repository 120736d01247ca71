"""The bench's goal checks, its report writer and the growth columns that persist across runs of other scales
(no benchmark runs here: results are built by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report
from bench.harness import Sample, Stage, check_goal, compute_ratios, stage_met, summarise
from bench.pipeline import split


def test_check_goal_bounds_seconds_and_throughput() -> None:
    assert check_goal(0.04, "<= 0.050") is True
    assert check_goal(0.06, "<= 0.050") is False
    assert check_goal(25_000, ">= 20000/s") is True
    assert check_goal(19_999, ">= 20000/s") is False
    assert check_goal(1.0, "reference") is None
    assert check_goal(None, "<= 1") is None


def _stage(goal: str | None, peak_goal: str | None = None) -> Stage:
    return Stage("x.y", lambda ctx: Sample(1.0), "x", "records", 1, 0, ("medium",), goal, "", peak_goal)


def test_stage_met_uses_throughput_goal_and_peak_memory() -> None:
    summary = summarise([Sample(2.0, items=100_000, peak_mib=300.0)])
    assert stage_met(_stage(">= 40000/s"), summary) is True
    assert stage_met(_stage(">= 60000/s"), summary) is False
    assert stage_met(_stage(None, peak_goal="<= 256"), summary) is False
    assert stage_met(_stage("reference"), summary) is None


def _row(group: str, median: float, goal: str | None = None, items: int | None = None) -> dict:
    return {"group": group, "unit": "records", "goal": goal, "peak_goal": None, "description": "",
            **summarise([Sample(median, items=items)]), "met": check_goal(median, goal)}


def test_merge_growth_keeps_the_columns_this_run_did_not_measure() -> None:
    previous = {"large": {"total": 300.0}, "medium": {"total": 90.0}, "bogus": {}}
    merged = report.merge_growth(previous, {"medium": {"total": 80.0}, "small": {"total": 60.0}})
    assert merged == {"large": {"total": 300.0}, "medium": {"total": 80.0}, "small": {"total": 60.0}}


def test_split_parts_sum_to_the_wall_time() -> None:
    run = {"wall_s": 100.0, "seconds": 90.0, "task_seconds": {
        "extract_load.stripe": 10.0, "extract_load.netsuite": 5.0, "transform.dbt_producer_watcher": 30.0,
        "transform.orders.run": 2.0, "quality_checks": 8.0, "writeback_models": 4.0, "writeback.stripe": 6.0,
        "operations_marts": 5.0}}
    parts = split(run, dbt_startup_s=2.0)
    assert parts["extract_load"] == 15.0
    assert parts["dbt"] == 33.0  # 30 + 4 + 5, less three start-ups
    assert parts["fixed_parts"] == {"startup_and_parse": 10.0, "airflow_overhead": 20.0, "dbt_watchers": 2.0,
                                    "dbt_startup": 6.0}
    assert sum(parts[k] for k in ("extract_load", "dbt", "checks", "writebacks", "fixed")) == pytest.approx(100.0)


def test_write_renders_one_table_with_goals_references_ratios_and_growth(tmp_path: Path) -> None:
    from bench.harness import RATIOS, Ratio

    (tmp_path / "bench").mkdir()
    stages = {"copy.ceiling": _row("loader", 1.5, "reference", 200_000),
              "loader.concord": _row("loader", 2.0, None, 200_000),
              "salesforce.page_latency": _row("salesforce", 0.07, "<= 0.050")}
    saved = list(RATIOS)
    RATIOS[:] = [Ratio("loader vs COPY", "loader.concord", "copy.ceiling", "speed", ">= 0.7")]
    try:
        ratios = compute_ratios(stages, "medium")
    finally:
        RATIOS[:] = saved
    results = {"scale": "medium", "machine": "test box", "stages": stages, "failed": {}, "ratios": ratios,
               "finished_at": "2026-01-01 00:00 UTC", "wall_s": 600.0, "load_average": "1.00 / 1.00 / 1.00",
               "growth": report.merge_growth({"large": {"rows_extracted": 9_000, "extract_load": 20.0, "dbt": 50.0,
                                                        "checks": 10.0, "writebacks": 5.0, "fixed": 30.0,
                                                        "total": 115.0, "first_run_total": 2000.0}},
                                             {"medium": {"rows_extracted": 1_000, "extract_load": 5.0, "dbt": 40.0,
                                                         "checks": 6.0, "writebacks": 2.0, "fixed": 30.0,
                                                         "total": 83.0, "first_run_total": 500.0}})}
    report.write(results, tmp_path)
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| loader | `copy.ceiling` | 1.50 s | 1 | 133,333 records/s |  | reference |  |" in text
    assert "speed >= 0.7× `copy.ceiling` (now 0.75×) | met |" in text
    assert "| salesforce | `salesforce.page_latency` | 70.0 ms | 1 |" in text and "**missed**" in text
    assert "| medium | 1,000 | 5.0 | 40.0 | 6.0 | 2.0 | 30.0 | 83.0 | 500.0 |" in text
    assert "| large | 9,000 | 20.0 | 50.0 | 10.0 | 5.0 | 30.0 | 115.0 | 2000.0 |" in text
    assert "| small | not measured yet |" in text
    saved_json = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert set(saved_json["growth"]) == {"medium", "large"}
