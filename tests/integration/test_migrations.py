"""Metadata migrations: fresh apply, idempotent re-apply, concurrent apply, tamper detection, rollback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from concord.errors import MigrationError
from concord.warehouse import migrate as migrate_mod
from concord.warehouse.migrate import Migration, applied_versions, available_migrations, migrate


def test_fresh_apply_records_every_migration(fresh_db: str) -> None:
    applied = migrate(fresh_db)
    expected = [m.version for m in available_migrations()]
    assert [m.version for m in applied] == expected
    assert applied_versions(fresh_db) == expected
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select to_regclass('concord_meta.runs')").fetchone()[0] is not None


def test_reapply_is_a_noop(fresh_db: str) -> None:
    migrate(fresh_db)
    with psycopg.connect(fresh_db) as conn:
        before = conn.execute("select version, applied_at from concord_meta.schema_migrations").fetchall()
    assert migrate(fresh_db) == []
    with psycopg.connect(fresh_db) as conn:
        after = conn.execute("select version, applied_at from concord_meta.schema_migrations").fetchall()
    assert before == after


def test_concurrent_migrators_apply_each_migration_once(fresh_db: str) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: migrate(fresh_db), range(6)))
    total = sum(len(r) for r in results)
    assert total == len(available_migrations())
    assert applied_versions(fresh_db) == [m.version for m in available_migrations()]


def test_edited_migration_is_refused(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    migrate(fresh_db)
    original = available_migrations()
    edited = [Migration(original[0].version, original[0].name, original[0].sql + "\n-- edited"), *original[1:]]
    monkeypatch.setattr(migrate_mod, "available_migrations", lambda: edited)
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(fresh_db)


def test_failing_migration_rolls_back_and_names_itself(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    migrate(fresh_db)
    broken = Migration(9999, "broken", "create table concord_meta.half_made (id int); select 1/0;")
    monkeypatch.setattr(migrate_mod, "available_migrations", lambda: [*available_migrations(), broken])
    with pytest.raises(MigrationError, match="9999_broken"):
        migrate(fresh_db)
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("select to_regclass('concord_meta.half_made')").fetchone()[0] is None
    assert 9999 not in applied_versions(fresh_db)
