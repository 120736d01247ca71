"""Airflow's environment stays inside the project, and `airflow db migrate` runs only when something changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord import airflow_env


def test_environment_points_inside_the_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    for key in ("AIRFLOW_HOME", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__DAGS_FOLDER",
                "AIRFLOW__CORE__PLUGINS_FOLDER", "AIRFLOW__CORE__LOAD_EXAMPLES", "CONCORD_AIRFLOW_DB_URL"):
        monkeypatch.delenv(key, raising=False)
    env = airflow_env.airflow_environment()
    assert env["AIRFLOW_HOME"] == str(tmp_path / ".concord" / "airflow")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path}/.concord/airflow/airflow.db"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(tmp_path / "dags")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    monkeypatch.setenv("CONCORD_AIRFLOW_DB_URL", "postgresql://u@h/airflow")
    assert airflow_env.airflow_environment()["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql://u@h/airflow"


def test_migrate_runs_once_per_version_and_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    monkeypatch.delenv("CONCORD_AIRFLOW_DB_URL", raising=False)
    assert airflow_env.migrate_if_needed() is True
    assert (tmp_path / ".concord" / "airflow" / "airflow.db").stat().st_size > 0
    assert airflow_env.migrate_if_needed() is False
    # Another database (or Airflow version) changes the stamp key, so the next setup migrates again.
    stamp = (tmp_path / ".concord" / "airflow" / ".db-migrated").read_text()
    monkeypatch.setenv("CONCORD_AIRFLOW_DB_URL", f"sqlite:///{tmp_path}/other.db")
    assert airflow_env._stamp_key() != stamp
