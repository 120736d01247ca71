"""The scheduled (hourly) build after a sandbox advance and a sync leaves the same marts as a full rebuild, and
builds only the `hourly` selector when the last complete build ran the same code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from concord.transform.runner import run_dbt, target_dir
from tests.transform.conftest import CONCORD, BuiltWarehouse, free_port

pytestmark = pytest.mark.xdist_group("dbt")

# The schemas of the models the hourly selector builds and of the finance views over them; built_at says when a
# row was rebuilt and differs by design.
MART_SCHEMAS = ("intermediate", "core", "finance")


def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every mart table and view as JSON text (without built_at), sorted."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema = any(%s) order by 1", (list(MART_SCHEMAS),)
        ).fetchall()
        return {
            t: sorted(r[0] for r in conn.execute(f"select (to_jsonb(x) - 'built_at')::text from {t} as x").fetchall())
            for (t,) in tables
        }


def data_as_of(url: str) -> object:
    with psycopg.connect(url) as conn:
        row = conn.execute("select data_as_of from intermediate.int_source_clock").fetchone()
    assert row is not None
    return row[0]


def test_hourly_build_after_an_advance_equals_a_full_rebuild(
    built_warehouse: BuiltWarehouse, copy_url: str, tmp_path: Path
) -> None:
    # The copy is the built database byte for byte: its last complete build is the template's.
    shutil.copytree(target_dir(built_warehouse.url), target_dir(copy_url), dirs_exist_ok=True)
    sandbox = tmp_path / "sandbox"
    shutil.copytree(built_warehouse.sandbox_dir, sandbox, ignore=shutil.ignore_patterns("*.pid", "*.log"))
    env = {
        **built_warehouse.env,
        "CONCORD_SANDBOX_DIR": str(sandbox),
        **{f"CONCORD_SANDBOX_{n.upper()}_PORT": str(free_port()) for n in ("control", "salesforce", "stripe", "netsuite")},
    }
    copy = BuiltWarehouse(url=copy_url, server_url=built_warehouse.server_url, sandbox_dir=sandbox, env=env)
    before = data_as_of(copy_url)
    copy.concord("sandbox", "advance", "--hours", "1")
    copy.concord("sandbox", "serve")
    try:
        copy.concord("sync")
    finally:
        subprocess.run([CONCORD, "sandbox", "stop"], env=env, capture_output=True, check=False)

    out = copy.concord("transform", "build", "--hourly").stdout
    assert "dbt build --selector hourly finished" in out, out[-2000:]
    assert data_as_of(copy_url) > before  # the marts see the advanced hour
    hourly = snapshot(copy_url)

    run_dbt(["run", "--full-refresh"], url=copy_url)
    full = snapshot(copy_url)
    assert hourly.keys() == full.keys()
    for table in full:
        assert hourly[table] == full[table], table
