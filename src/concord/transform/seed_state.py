"""Whether the warehouse's seed tables still match the seed files, so a scheduled build can skip reloading them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg

MARKER = "seeds.sha256"


def seed_fingerprint(project: Path) -> str:
    """A hash of every seed file and of dbt_project.yml (which holds the seeds' column types)."""
    digest = hashlib.sha256()
    for path in [project / "dbt_project.yml", *sorted((project / "seeds").glob("*.csv"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def seeds_current(url: str, target: Path, fingerprint: str, project: Path) -> bool:
    """True when the last full build of this database loaded these seed files and their tables still exist."""
    marker = target / MARKER
    if not marker.exists() or marker.read_text().strip() != fingerprint:
        return False
    expected = {p.stem for p in (project / "seeds").glob("*.csv")}
    with psycopg.connect(url) as conn:
        present = {r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'seeds'"
        ).fetchall()}
    return bool(expected) and expected <= present


def record_seeds(target: Path, fingerprint: str) -> None:
    """Remember which seed files this database's tables were loaded from."""
    target.mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text(fingerprint + "\n")
