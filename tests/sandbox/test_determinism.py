"""Seeding is deterministic: the same seed gives identical data, another seed different data."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from concord_sandbox import seed as seed_module
from concord_sandbox.inconsistencies import DEFAULT_RATES
from concord_sandbox.seed import seed_company

from tests.sandbox.conftest import START


def fingerprint(path: Path) -> str:
    """A digest of every table's content (the SQL dump), independent of file layout."""
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    for line in conn.iterdump():
        digest.update(line.encode())
    conn.close()
    return digest.hexdigest()


def test_same_seed_gives_identical_data_and_another_seed_differs(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("a.db", "b.db", "c.db")]
    for path, seed in zip(paths, (5, 5, 6), strict=True):
        seed_company(path, "small", seed, START, dict(DEFAULT_RATES))
    a, b, c = (fingerprint(p) for p in paths)
    assert a == b
    assert a != c


def test_result_does_not_depend_on_the_number_of_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seed_module, "CHUNK", 150)  # four chunks at small scale
    one = seed_company(tmp_path / "one.db", "small", 9, START, dict(DEFAULT_RATES), workers=1)
    two = seed_company(tmp_path / "two.db", "small", 9, START, dict(DEFAULT_RATES), workers=2)
    assert one.counts == two.counts
    assert fingerprint(one.path) == fingerprint(two.path)


def test_scale_sets_the_number_of_accounts(seeded_template: Path) -> None:
    conn = sqlite3.connect(seeded_template)
    original_accounts = conn.execute('select count(distinct Tax_Id__c) from "Account"').fetchone()[0]
    assert original_accounts == seed_module.SCALES["small"]
    currencies = {
        r[0] for r in conn.execute("select distinct json_extract(data, '$.currency') from invoices")
    }
    assert {"usd", "eur", "gbp", "jpy"} <= currencies
    jpy_amounts = [
        r[0]
        for r in conn.execute(
            "select json_extract(data, '$.total') from invoices where "
            "json_extract(data, '$.currency') = 'jpy' limit 50"
        )
    ]
    assert jpy_amounts and all(isinstance(a, int) for a in jpy_amounts)
