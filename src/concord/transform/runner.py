"""Run dbt against the warehouse: `dbt <command>` from the venv with the project's profile and target paths."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from concord.errors import ConcordError
from concord.paths import project_root, state_dir
from concord.transform.dbt_env import profile_env


class DbtError(ConcordError):
    """A dbt command failed; carries the command and the tail of its output."""


@dataclass(frozen=True)
class DbtResult:
    """One finished dbt invocation."""

    args: tuple[str, ...]
    seconds: float
    output: str


def project_dir() -> Path:
    """The dbt project folder: `dbt_project/` in the project root, else beside this checkout's `src/`."""
    candidate = project_root() / "dbt_project"
    if candidate.is_dir():
        return candidate
    return Path(__file__).resolve().parents[3] / "dbt_project"


def dbt_executable() -> str:
    """The `dbt` beside the running interpreter (the venv's)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: list[str],
    url: str | None = None,
    threads: int = 4,
    echo: bool = False,
    vars_json: str | None = None,
) -> DbtResult:
    """Run `dbt <args>` on the warehouse at `url` (default: the configured, migrated one); raise DbtError on failure."""
    from concord.warehouse.connection import ready_url

    url = ready_url(url)
    project = project_dir()
    # One target folder per database: two builds at once (tests, CLI) never share partial-parse or run files.
    target = state_dir() / "dbt" / profile_env(url)["CONCORD_DBT_DBNAME"]
    env = {
        **os.environ,
        **profile_env(url, threads),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "true",
    }
    cmd = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]
    if vars_json:
        cmd += ["--vars", vars_json]
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=not echo, text=True, check=False)
    seconds = time.monotonic() - started
    output = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-40:])
        raise DbtError(f"dbt {' '.join(args)} failed (exit {proc.returncode}) after {seconds:.1f} s.\n{tail}")
    return DbtResult(tuple(args), seconds, output)
