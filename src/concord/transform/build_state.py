"""Whether this database's last complete `dbt build` ran the project code now on disk, so the scheduled build may
skip what only a code change alters (views, seeds, unit tests) and build the `hourly` selector alone."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg

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


def _kept_relations(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "select count(*) from information_schema.tables where table_schema = any(%s)", (list(KEPT_SCHEMAS),)
    ).fetchone()
    return int(row[0]) if row else 0


def complete_build_due(url: str, project: Path) -> tuple[bool, str]:
    """Whether the next scheduled build must be a complete one (no complete build of this database ran the
    project code now on disk, or what it created is gone), and that code's fingerprint (for
    record_complete_build)."""
    fingerprint = project_fingerprint(project)
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select fingerprint, kept_relations from concord_meta.dbt_complete_builds"
            " order by build_id desc limit 1"
        ).fetchone()
        current = row is not None and row[0] == fingerprint and _kept_relations(conn) >= int(row[1])
    return not current, fingerprint


def record_complete_build(url: str, fingerprint: str, run_id: str | None = None) -> None:
    """Remember that a complete build of this database ran this project code."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into concord_meta.dbt_complete_builds (fingerprint, kept_relations, run_id) values (%s, %s, %s)",
            (fingerprint, _kept_relations(conn), run_id),
        )
