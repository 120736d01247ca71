"""Loader test helpers: load a fixture stream into a fresh database, read a landed table back."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from concord.loader.config import LoaderConfig
from concord.loader.target import RunSummary, run_stream
from concord.warehouse.migrate import migrate

DATA = Path(__file__).resolve().parents[1] / "data_files"


def fixture_lines(name: str) -> list[bytes]:
    """The lines of `tests/data_files/<name>.singer`."""
    return (DATA / f"{name}.singer").read_bytes().splitlines(keepends=True)


class Warehouse:
    """A fresh, migrated database and helpers to load into it and read from it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.state_out = io.BytesIO()
        self.log = io.StringIO()

    def config(self, **overrides: Any) -> LoaderConfig:
        settings = {"source": "test", "warehouse_url": self.url, **overrides}
        return LoaderConfig.load(None, settings)

    def load(self, lines: Iterable[bytes] | str, **overrides: Any) -> RunSummary:
        """Run the loader over a fixture name or raw lines (config overrides as keyword arguments)."""
        source = fixture_lines(lines) if isinstance(lines, str) else lines
        return run_stream(self.config(**overrides), source, self.state_out, log=self.log)

    def rows(self, table: str, order: str = "id", schema: str = "raw_test") -> list[dict[str, Any]]:
        with psycopg.connect(self.url, row_factory=dict_row) as conn:
            return conn.execute(f'select * from {schema}."{table}" order by {order}').fetchall()

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.url) as conn:
            conn.execute(sql)

    def quarantine(self) -> list[dict[str, Any]]:
        with psycopg.connect(self.url, row_factory=dict_row) as conn:
            return conn.execute("select * from concord_meta.quarantine order by id").fetchall()

    def emitted_states(self) -> list[bytes]:
        return self.state_out.getvalue().splitlines()


@pytest.fixture
def wh(fresh_db: str) -> Warehouse:
    migrate(fresh_db)
    return Warehouse(fresh_db)


def strip_meta(rows: list[dict[str, Any]], keep: Callable[[str], bool] = lambda c: not c.startswith("_concord_")
               ) -> list[dict[str, Any]]:
    """Rows without the loader's meta columns (for comparing with what the fixture sent)."""
    return [{k: v for k, v in r.items() if keep(k)} for r in rows]
