"""The dbt manifest the Airflow DAGs render from, built by `dbt parse` and rebuilt only when the project changed.

Cosmos renders the dbt task groups from this file at DAG parse time (LoadMode.DBT_MANIFEST), so parsing a DAG
never starts dbt. `ensure_manifest` is cheap when nothing changed (a hash of the project's files), so setup,
`make airflow`, the demo and the tests all call it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from concord.paths import state_dir
from concord.transform.runner import project_dir

STAMP = "manifest.sha256"
# Parsing needs a profile, never a connection: any well-formed values do.
_PARSE_ENV = {"CONCORD_DBT_HOST": "127.0.0.1", "CONCORD_DBT_PORT": "5432", "CONCORD_DBT_USER": "concord",
              "CONCORD_DBT_PASSWORD": "", "CONCORD_DBT_DBNAME": "concord", "CONCORD_DBT_THREADS": "4"}


def manifest_dir() -> Path:
    return state_dir() / "dbt" / "_manifest"


def manifest_path() -> Path:
    """Where the DAGs read the manifest (`.concord/dbt/_manifest/manifest.json`)."""
    return manifest_dir() / "manifest.json"


def project_fingerprint(project: Path | None = None) -> str:
    """A hash of every file dbt parses (models, macros, seeds, tests, selectors, project and profile)."""
    project = project or project_dir()
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if not path.is_file() or relative.parts[0] in {"target", "logs", "dbt_packages"}:
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def manifest_current() -> bool:
    stamp = manifest_dir() / STAMP
    return manifest_path().is_file() and stamp.is_file() and stamp.read_text().strip() == project_fingerprint()


def ensure_manifest(force: bool = False) -> bool:
    """Build the manifest with `dbt parse` unless it is current; True if it was (re)built."""
    if not force and manifest_current():
        return False
    from concord.transform.runner import DbtError, dbt_executable

    fingerprint = project_fingerprint()
    project = project_dir()
    out = manifest_dir()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="concord-manifest-") as tmp:
        env = {**os.environ, **_PARSE_ENV, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        proc = subprocess.run(
            [dbt_executable(), "parse", "--project-dir", str(project), "--profiles-dir", str(project),
             "--target-path", tmp, "--log-path", str(Path(tmp) / "logs"), "--no-partial-parse"],
            env=env, capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
            raise DbtError(f"dbt parse failed (exit {proc.returncode}); the DAGs cannot render dbt tasks.\n{tail}")
        shutil.copyfile(Path(tmp) / "manifest.json", manifest_path())
    (out / STAMP).write_text(fingerprint + "\n")
    return True


def main() -> None:
    """`python -m concord.transform.manifest`: build the manifest if the dbt project changed."""
    built = ensure_manifest()
    print(f"dbt manifest {'built' if built else 'up to date'}: {manifest_path()}")


if __name__ == "__main__":
    main()


def models_under(folder: str) -> list[str]:
    """Unique ids of the models, seeds and snapshots whose files lie under `folder` (e.g. `models/writeback`)."""
    import orjson

    prefix = folder.rstrip("/") + "/"
    nodes = orjson.loads(manifest_path().read_bytes()).get("nodes", {})
    return sorted(uid for uid, node in nodes.items()
                  if node.get("resource_type") in {"model", "seed", "snapshot"}
                  and str(node.get("original_file_path", "")).startswith(prefix))
