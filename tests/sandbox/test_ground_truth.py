"""The ground truth lists exactly the planted instances, and each class appears at its configured rate."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest
from concord_sandbox.inconsistencies import CLASSES

from tests.sandbox.conftest import TEST_RATES
from tests.sandbox.independent_queries import base_counts, symptoms, truth_keys


@pytest.fixture
def conn(seeded_template: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{seeded_template}?mode=ro", uri=True)


def test_truth_lists_exactly_the_instances_the_data_shows(conn: sqlite3.Connection) -> None:
    found = symptoms(conn)
    truth = truth_keys(conn)
    for cls in CLASSES:
        assert truth.get(cls, set()) == found[cls], cls


@pytest.mark.parametrize("cls", CLASSES)
def test_each_class_appears_at_its_rate(conn: sqlite3.Connection, cls: str) -> None:
    observed = len(symptoms(conn)[cls])
    base = base_counts(conn)[cls]
    expected = TEST_RATES[cls] * base
    # Binomial spread: 4 standard deviations plus a little slack for the small bases.
    tolerance = 4 * math.sqrt(expected * (1 - TEST_RATES[cls])) + 3
    assert expected >= 8, f"{cls}: base {base} too small to measure a rate"
    assert abs(observed - expected) <= tolerance, (
        f"{cls}: {observed} planted, expected {expected:.1f} of {base}"
    )


def test_truth_records_carry_class_keys_and_planted_time(conn: sqlite3.Connection) -> None:
    rows = conn.execute("select instance_id, class, planted_at, repaired_at from sandbox_truth").fetchall()
    assert len(rows) == len({r[0] for r in rows}) > 0
    assert {r[1] for r in rows} == set(CLASSES)
    assert all(r[2] <= "2026-01-01T00:00:00Z" and r[3] is None for r in rows)
