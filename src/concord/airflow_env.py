"""Airflow's environment for this project: its home under `.concord/airflow`, folders, metadata database.

SQLite is the default metadata database; CONCORD_AIRFLOW_DB_URL selects PostgreSQL (or any database Airflow
supports). `migrate_if_needed` runs `airflow db migrate` only when the Airflow version or the database changed,
so a no-op setup never pays for Airflow's CLI start-up.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from concord.errors import ConcordError
from concord.paths import project_root, state_dir


def airflow_home() -> Path:
    return state_dir() / "airflow"


def metadata_db_url() -> str:
    return os.environ.get("CONCORD_AIRFLOW_DB_URL") or f"sqlite:///{airflow_home() / 'airflow.db'}"


def airflow_environment() -> dict[str, str]:
    """Environment variables every Airflow process of this project needs (existing values win)."""
    root = project_root()
    wanted = {
        "AIRFLOW_HOME": str(airflow_home()),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db_url(),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # Cosmos's partial-parse cache: per checkout (its default, /tmp/cosmos, is shared by every checkout).
        "AIRFLOW__COSMOS__CACHE_DIR": str(state_dir() / "cosmos"),
        "AIRFLOW__CORE__UNIT_TEST_MODE": os.environ.get("AIRFLOW__CORE__UNIT_TEST_MODE", "False"),
        "SCARF_ANALYTICS": "false",
        "DO_NOT_TRACK": "1",
    }
    return {key: os.environ.get(key, value) for key, value in wanted.items()}


def apply_airflow_environment() -> None:
    """Set the Airflow variables in this process (before importing airflow)."""
    os.environ.update(airflow_environment())


def _stamp_key() -> str:
    version = metadata.version("apache-airflow-core")
    return hashlib.sha256(f"{version}|{metadata_db_url()}".encode()).hexdigest()


def migrate_if_needed() -> bool:
    """Run `airflow db migrate` when Airflow or its database changed since the last run; True if it ran."""
    home = airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    stamp = home / ".db-migrated"
    key = _stamp_key()
    if stamp.is_file() and stamp.read_text() == key:
        return False
    env = {**os.environ, **airflow_environment()}
    airflow = Path(sys.executable).with_name("airflow")
    proc = subprocess.run([str(airflow), "db", "migrate"], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ConcordError(f"`airflow db migrate` failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    stamp.write_text(key)
    return True


def main() -> None:
    """`python -m concord.airflow_env [--exports|--migrate]`: print shell exports, or migrate if needed."""
    if "--migrate" in sys.argv:
        ran = migrate_if_needed()
        print("airflow metadata database migrated" if ran else "airflow metadata database up to date")
    else:
        for key, value in airflow_environment().items():
            print(f"export {key}='{value}'")


if __name__ == "__main__":
    main()
