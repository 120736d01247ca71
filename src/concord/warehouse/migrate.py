"""Versioned metadata migrations for `concord_meta`.

Migrations are the SQL files in `concord/migrations/` named `NNNN_description.sql`, applied in order, each in
its own transaction together with its row in `concord_meta.schema_migrations`. A session-level advisory lock
serialises concurrent migrators; an applied migration whose file changed afterwards is an error.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from concord.errors import MigrationError

# Arbitrary constant: the advisory-lock key every Concord migrator takes.
MIGRATION_LOCK_KEY = 0x0C0C0_0001
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    """All migrations shipped with the package, in version order."""
    found: list[Migration] = []
    for entry in resources.files("concord.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text()))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise MigrationError(f"Two migrations share a version number: {versions}")
    return found


def migrate(url: str) -> list[Migration]:
    """Apply pending migrations to the warehouse at `url`; return those applied by this call."""
    applied_now: list[Migration] = []
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        from concord.warehouse.connection import redact

        raise MigrationError(f"Cannot connect to the warehouse at {redact(url)} to migrate it: {exc}") from exc
    with conn:
        conn.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            conn.execute("create schema if not exists concord_meta")
            conn.execute(
                """
                create table if not exists concord_meta.schema_migrations (
                    version integer primary key,
                    name text not null,
                    checksum text not null,
                    applied_at timestamptz not null default now()
                )
                """
            )
            done = {
                row[0]: row[1]
                for row in conn.execute("select version, checksum from concord_meta.schema_migrations")
            }
            for migration in available_migrations():
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"Migration {migration.version:04d}_{migration.name} was changed after it was applied; "
                            "add a new migration instead of editing an applied one."
                        )
                    continue
                try:
                    with conn.transaction():
                        conn.execute(migration.sql)
                        conn.execute(
                            "insert into concord_meta.schema_migrations (version, name, checksum) values (%s, %s, %s)",
                            (migration.version, migration.name, migration.checksum),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(
                        f"Migration {migration.version:04d}_{migration.name} failed and was rolled back: {exc}"
                    ) from exc
                applied_now.append(migration)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    return applied_now


def applied_versions(url: str) -> list[int]:
    """Versions recorded in `concord_meta.schema_migrations` (empty if the table does not exist yet)."""
    with psycopg.connect(url) as conn:
        exists = conn.execute("select to_regclass('concord_meta.schema_migrations')").fetchone()[0]
        if exists is None:
            return []
        return [r[0] for r in conn.execute("select version from concord_meta.schema_migrations order by version")]
