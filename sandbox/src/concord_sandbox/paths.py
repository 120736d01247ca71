"""Where the sandbox keeps its state: ``$CONCORD_SANDBOX_DIR`` or ``.concord/sandbox`` under the project root."""

from __future__ import annotations

import os
from pathlib import Path

from concord.paths import state_dir


def sandbox_dir() -> Path:
    """The sandbox directory (database, PID file, log file); created on first use."""
    env = os.environ.get("CONCORD_SANDBOX_DIR")
    path = Path(env).resolve() if env else state_dir() / "sandbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path(directory: Path | None = None) -> Path:
    """The SQLite database holding the whole simulated company."""
    return (directory or sandbox_dir()) / "sandbox.db"
