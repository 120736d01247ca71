"""Where Concord keeps its local state: the project root and its `.concord/` folder."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The Concord checkout (CONCORD_HOME if set, else the checkout this package was installed from, else cwd)."""
    env = os.environ.get("CONCORD_HOME")
    if env:
        return Path(env).resolve()
    candidate = Path(__file__).resolve().parents[2]
    if (candidate / "pyproject.toml").is_file() and (candidate / "src" / "concord").is_dir():
        return candidate
    return Path.cwd().resolve()


def state_dir() -> Path:
    """`.concord/` under the project root: embedded PostgreSQL, Airflow home, sandbox state."""
    return project_root() / ".concord"
