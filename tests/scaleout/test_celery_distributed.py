"""Concord on Airflow's own distributed executor, on real processes.

Native processes, as the compose deployment runs them in containers: api-server, scheduler, dag-processor,
triggerer and two `airflow celery worker`s (distinct Celery node names and task host names, each with its own
`.concord` state folder as if on its own machine), CeleryExecutor with the machine's Redis as broker and a fresh
PostgreSQL database as metadata database and Celery result backend. The test triggers `concord_hourly`
through the public REST API (JWT from the simple auth manager's /auth/token), waits for success, checks that
both workers ran tasks, and that the warehouse holds exactly what a single-machine run (the CLI: sync, then
dbt build) puts in another fresh database from the same sandbox.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from concord_sandbox.apis import load_api
from concord_sandbox.store import Store
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.scaleout.cluster import BIN, AirflowCluster, free_port

pytestmark = pytest.mark.xdist_group("scaleout")

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "concord_hourly"
SOURCES = ("salesforce", "stripe", "netsuite")
# Compared between the two warehouses: every table of these schemas.
COMPARED_SCHEMAS = ("raw_salesforce", "raw_stripe", "raw_netsuite", "core")
# Columns that say when or under which run a row was written, not what it holds.
RUN_COLUMNS = {"_concord_run_id", "_concord_loaded_at", "built_at", "source_loaded_at", "run_id"}
# The run (~70 Airflow tasks: cosmos watcher tasks per model) takes minutes on a shared two-core machine;
# allow for a slow one.
RUN_TIMEOUT = 600
REFERENCE_DBT = ("from concord.transform.runner import run_dbt; run_dbt(['build', '--select', '+path:models/marts/core', "
                 "'--exclude-resource-type', 'test', '--exclude-resource-type', 'unit_test'])")


def _create_db(server: str) -> str:
    name = f"concord_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return make_conninfo(server, dbname=name)


def _drop_db(server: str, url: str) -> None:
    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _uri(url: str) -> str:
    """A postgresql:// URI for SQLAlchemy/Celery from any libpq conninfo."""
    p = conninfo_to_dict(url)
    auth = p.get("user", "") + (f":{p['password']}" if p.get("password") else "")
    return f"postgresql://{auth}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{p['dbname']}"


def _concord(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    proc = subprocess.run([str(BIN / "concord"), *args], env=env, capture_output=True, text=True, check=False,
                          timeout=timeout)
    assert proc.returncode == 0, f"concord {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Per table of COMPARED_SCHEMAS: row count and an order-independent checksum of the rows' content."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2",
            (list(COMPARED_SCHEMAS),),
        ).fetchall()
        for schema, table in tables:
            columns = [r[0] for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and "
                "table_name = %s order by ordinal_position", (schema, table)).fetchall()
                if r[0] not in RUN_COLUMNS]
            cols = ", ".join(f'"{c}"' for c in columns)
            count, digest = conn.execute(
                f'select count(*), md5(coalesce(string_agg(h, \'\' order by h), \'\')) from '
                f'(select md5(row({cols})::text) as h from "{schema}"."{table}") t').fetchone()
            out[f"{schema}.{table}"] = (count, digest)
    return out


def _project_home(home: Path) -> Path:
    """A CONCORD_HOME standing for another machine running the image: the project's files, and its own
    `.concord` holding only what the image build puts there (the dbt manifest the DAGs render from)."""
    home.mkdir()
    for name in ("pyproject.toml", "src", "dags", "dbt_project", "expectations", "plugins"):
        (home / name).symlink_to(ROOT / name)
    manifest = ROOT / ".concord" / "dbt" / "_manifest"
    if manifest.is_dir():
        shutil.copytree(manifest, home / ".concord" / "dbt" / "_manifest")
    return home


def _serve_sandbox(stack: contextlib.ExitStack, directory: Path, taps: Path) -> dict[str, str]:
    """Serve the seeded sandbox in `directory` on free ports (stopped by `stack`); write each tap's config to a
    file in `taps`, as a deployment has them; return the variables pointing the taps at those files."""
    env = {**os.environ, "CONCORD_SANDBOX_DIR": str(directory),
           **{f"CONCORD_SANDBOX_{n.upper()}_PORT": str(free_port())
              for n in ("control", "salesforce", "stripe", "netsuite")}}
    _concord(env, "sandbox", "serve")
    stack.callback(subprocess.run, [str(BIN / "concord"), "sandbox", "stop"], env=env, capture_output=True,
                   check=False)
    taps.mkdir()
    credentials = Store(directory / "sandbox.db")
    for source in SOURCES:
        url = f"http://127.0.0.1:{env[f'CONCORD_SANDBOX_{source.upper()}_PORT']}"
        config = load_api(source).tap_config(url, credentials.credentials(source))
        (taps / f"{source}.json").write_text(json.dumps(config))
    return {f"CONCORD_{s.upper()}_TAP_CONFIG": str(taps / f"{s}.json") for s in SOURCES}


@pytest.mark.timeout(900)
def test_concord_hourly_on_two_celery_workers_equals_a_single_machine_run(
    tmp_path: Path, server_url: str
) -> None:
    started = time.monotonic()

    def phase(name: str) -> None:
        print(f"[scaleout {time.monotonic() - started:5.1f} s] {name}", flush=True)

    # The manifest the DAGs render from, as setup (or the image build) leaves it; cheap when current.
    _concord(dict(os.environ), "transform", "manifest")
    with contextlib.ExitStack() as stack:
        metadata_db = _create_db(server_url)
        stack.callback(_drop_db, server_url, metadata_db)
        distributed_db = _create_db(server_url)
        stack.callback(_drop_db, server_url, distributed_db)
        single_db = _create_db(server_url)
        stack.callback(_drop_db, server_url, single_db)

        cluster = AirflowCluster(
            home=tmp_path / "airflow",
            metadata_url=_uri(metadata_db),
            dags_folder=ROOT / "dags",
            extra_env={"CONCORD_WAREHOUSE_URL": distributed_db},
            worker_env={node: {"CONCORD_HOME": str(home), "AIRFLOW__COSMOS__CACHE_DIR": str(home / ".concord/cosmos")}
                        for node, home in (("worker-a", _project_home(tmp_path / "worker-a")),
                                           ("worker-b", _project_home(tmp_path / "worker-b")))},
        )
        stack.callback(cluster.stop)
        # Airflow's metadata schema migrates while the sandbox is seeded.
        migrate = subprocess.Popen([str(BIN / "airflow"), "db", "migrate"], env=cluster.env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        stack.callback(_kill_if_running, migrate)

        # One small company, seeded once; the reference run gets its own copy served on its own ports, so the
        # distributed run's writebacks cannot change what the reference extracts (and vice versa).
        seeded = tmp_path / "sandbox"
        _concord({**os.environ, "CONCORD_SANDBOX_DIR": str(seeded)}, "sandbox", "seed", "--scale", "small",
                 "--seed", "5")
        shutil.copytree(seeded, tmp_path / "sandbox-reference")
        cluster.env.update(_serve_sandbox(stack, seeded, tmp_path / "taps"))
        reference_taps = _serve_sandbox(stack, tmp_path / "sandbox-reference", tmp_path / "taps-reference")

        # The single-machine reference runs while the cluster starts: `concord sync`, then dbt builds the models
        # the compared schemas need (the same SQL the DAG's dbt build runs; tests are the DAG's to run).
        reference = subprocess.Popen(
            ["bash", "-c", f'"{BIN}/concord" sync --run-id single && "{BIN}/python" -c "{REFERENCE_DBT}"'],
            env={**{k: v for k, v in os.environ.items() if not k.startswith("CONCORD_SANDBOX_")}, **reference_taps,
                 "CONCORD_WAREHOUSE_URL": single_db,
                 "CONCORD_HOME": str(_project_home(tmp_path / "single"))},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        stack.callback(_kill_if_running, reference)

        phase("sandboxes served, reference started")
        assert migrate.wait(timeout=300) == 0, migrate.stdout.read()[-4000:]
        # What the compose init service does after the migration: the DAGs' pools (size 1 per source/destination).
        subprocess.run([str(BIN / "python"), "-c", "from concord.orchestration.pools import ensure_pools; "
                        "ensure_pools()"], env=cluster.env, check=True, capture_output=True, timeout=120)
        cluster.start("api-server", "api-server", "--port", str(cluster.api_port), "--host", "127.0.0.1",
                      "--workers", "1")
        cluster.start("scheduler", "scheduler")
        cluster.start("dag-processor", "dag-processor")
        cluster.start("triggerer", "triggerer")
        cluster.start_worker("worker-a")
        cluster.start_worker("worker-b")
        phase("components started")
        cluster.wait_for_api()

        with cluster.client() as api:
            phase("api up")
            _wait_for_dag(cluster, api)
            r = api.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": datetime.now(UTC).isoformat()})
            assert r.status_code == 200, r.text
            run_id = r.json()["dag_run_id"]
            phase("dag parsed, run triggered")
            state = _wait_for_run(cluster, api, run_id)
            tis = _get(api, f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", limit=1000).json()
        failed = [(t["task_id"], t["state"], t["hostname"]) for t in tis["task_instances"]
                  if t["state"] not in ("success", "skipped")]
        assert state == "success", f"run {run_id} ended {state}; unfinished or failed: {failed}\n" + _logs(cluster)
        # Tasks the scheduler completes itself (empty operators) have no host; every other one ran on a worker.
        hosts = {t["hostname"] for t in tis["task_instances"] if t["state"] == "success" and t["hostname"]}
        assert hosts == {"worker-a", "worker-b"}, f"tasks ran on {hosts}"

        phase("run finished: " + ", ".join(f"{t['task_id']}@{t['hostname']} {t['duration'] or 0:.0f}s"
                                           for t in tis["task_instances"]))
        out, _ = reference.communicate(timeout=RUN_TIMEOUT)
        assert reference.returncode == 0, f"single-machine run failed:\n{out[-4000:]}"
        phase("reference finished")
        distributed, single = table_fingerprints(distributed_db), table_fingerprints(single_db)
        assert any(t.startswith("core.") for t in single) and all(n > 0 for n, _ in single.values()), single
        assert distributed == single, {t: (distributed.get(t), single.get(t))
                                       for t in set(distributed) | set(single) if distributed.get(t) != single.get(t)}
        phase("warehouses compared")
        with psycopg.connect(distributed_db) as conn:
            landed = {r[0] for r in conn.execute(
                "select source from concord_meta.runs where run_id = %s and status = 'succeeded'", (run_id,))}
        assert landed >= set(SOURCES), f"the ledger does not carry the Airflow run id {run_id}: {landed}"
    phase("everything stopped and dropped")
    assert not cluster.leftover_pids(), f"processes left running: {cluster.leftover_pids()}"
    print(f"distributed test: {time.monotonic() - started:.0f} s")


def _kill_if_running(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait()


def _get(api, path: str, **params) -> httpx.Response:
    """GET with a retry on timeouts: a loaded machine can stall the single api-server worker for a while."""
    for attempt in range(4):
        try:
            return api.get(path, params=params or None)
        except httpx.TimeoutException:
            if attempt == 3:
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def _wait_for_dag(cluster: AirflowCluster, api, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cluster.assert_running()
        if _get(api, f"/dags/{DAG_ID}").status_code == 200:
            return
        time.sleep(1)
    errors = _get(api, "/importErrors").json()
    raise AssertionError(f"{DAG_ID} not parsed after {timeout} s; import errors: {errors}\n{_logs(cluster)}")


def _wait_for_run(cluster: AirflowCluster, api, run_id: str) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        cluster.assert_running()
        state = _get(api, f"/dags/{DAG_ID}/dagRuns/{run_id}").json()["state"]
        if state in ("success", "failed"):
            return state
        time.sleep(2)
    raise AssertionError(f"run {run_id} not finished after {RUN_TIMEOUT} s\n{_logs(cluster)}")


def _logs(cluster: AirflowCluster) -> str:
    return "\n".join(f"--- {c.name}\n{c.tail(15)}" for c in cluster.components)
