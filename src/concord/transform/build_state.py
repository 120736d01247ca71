"""Whether this database's last complete `dbt build` ran the project code now on disk, so the scheduled build may
skip what only a code change alters (views, seeds, unit tests) and build the `hourly` selector alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg

MARKER = "complete_build.json"
# What a complete build creates that the hourly selector leaves alone; all of it must still be there.
KEPT_SCHEMAS = ("staging", "seeds")
CODE = ("models", "macros", "tests", "seeds", "snapshots", "analyses")
CODE_FILES = ("dbt_project.yml", "selectors.yml", "packages.yml")


def project_fingerprint(project: Path) -> str:
    """A hash of every file that defines the project: models, macros, tests, seeds, dbt_project.yml, selectors."""
    digest = hashlib.sha256()
    paths = [project / name for name in CODE_FILES]
    for folder in CODE:
        paths += sorted(p for p in (project / folder).rglob("*") if p.is_file())
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _kept_relations(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select count(*) from information_schema.tables where table_schema = any(%s)", (list(KEPT_SCHEMAS),)
        ).fetchone()
    return int(row[0]) if row else 0


def complete_build_current(url: str, target: Path, fingerprint: str) -> bool:
    """True when the last complete build of this database ran this project code and what it created is there."""
    marker = target / MARKER
    if not marker.exists():
        return False
    try:
        state = json.loads(marker.read_text())
    except ValueError:
        return False
    if state.get("fingerprint") != fingerprint:
        return False
    return _kept_relations(url) >= int(state.get("kept_relations", 1 << 30))


def record_complete_build(url: str, target: Path, fingerprint: str) -> None:
    """Remember that a complete build of this database ran this project code."""
    target.mkdir(parents=True, exist_ok=True)
    state = {"fingerprint": fingerprint, "kept_relations": _kept_relations(url)}
    (target / MARKER).write_text(json.dumps(state) + "\n")

