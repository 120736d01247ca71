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
from concord.run_ids import manual_run_id
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


def target_dir(url: str) -> Path:
    """dbt's target folder for the database at `url`: one per database, so two builds at once (tests, CLI)
    never share partial-parse or run files."""
    return state_dir() / "dbt" / profile_env(url)["CONCORD_DBT_DBNAME"]


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
    target = target_dir(url)
    env = {
        **os.environ,
        **profile_env(url, threads),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "true",
        # PostgreSQL's JIT spent 1.2-1.5 s compiling each mart query that then ran in milliseconds (EXPLAIN
        # ANALYZE at medium scale); the models are short set-based queries that never repay it.
        "PGOPTIONS": f"{os.environ.get('PGOPTIONS', '')} -c jit=off".strip(),
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


# The dbt YAML selector (dbt_project/selectors.yml) of the scheduled build; Airflow uses the same name.
HOURLY_SELECTOR = "hourly"


def build(
    url: str | None = None,
    *,
    select: str | None = None,
    full_refresh: bool = False,
    hourly: bool = False,
    threads: int = 4,
    echo: bool = False,
    run_id: str | None = None,
) -> DbtResult:
    """`dbt build`. `hourly` is the scheduled run after a sync: the `hourly` selector (tables, incremental models
    and the incremental marts' tests; not views, seeds, unit tests or the other tests) when this database's last
    complete build ran the project code now on disk; otherwise (first run, a deploy changed the code, relations
    missing) a complete build, which the next hourly run then builds on.
    The run ledger gets a `transform` row (`transform:<select>` for a selection) under `run_id`
    (default manual__<utc time>)."""
    from concord.observability.dbt_stage import fill_transform_stage, transform_stage
    from concord.observability.ledger import stage_run
    from concord.warehouse.connection import ready_url

    url = ready_url(url)
    with stage_run(run_id or manual_run_id(), transform_stage(select), None, url) as stage:
        started = time.time()
        try:
            return _build(url, select, full_refresh, hourly, threads, echo, stage.run_id)
        finally:
            fill_transform_stage(stage, target_dir(url) / "run_results.json", started)


def _build(url: str, select: str | None, full_refresh: bool, hourly: bool, threads: int, echo: bool,
           run_id: str) -> DbtResult:
    from concord.transform.build_state import complete_build_due, record_complete_build

    complete_due, fingerprint = complete_build_due(url, project_dir())
    if hourly and not full_refresh and select is None and not complete_due:
        return run_dbt(["build", "--selector", HOURLY_SELECTOR], url=url, threads=threads, echo=echo)
    args = ["build"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    if hourly and select:
        args += ["--exclude-resource-type", "unit_test"]
    result = run_dbt(args, url=url, threads=threads, echo=echo)
    if select is None:
        record_complete_build(url, fingerprint, run_id)
    return result
