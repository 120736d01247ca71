"""The SOQL subset: parsing, and translation to SQLite checked against the store's rows."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from concord_sandbox.apis.salesforce.errors import SalesforceApiError
from concord_sandbox.apis.salesforce.live import LiveEmulator
from concord_sandbox.apis.salesforce.soql import BoolOp, Comparison, Not, SoqlSyntaxError, parse
from concord_sandbox.apis.salesforce.translate import translate


def test_parses_fields_object_where_order_limit() -> None:
    q = parse("select Id, Name from Account where (Type = 'Customer' or Type = null) and not IsDeleted = true "
              "order by SystemModstamp asc, Id desc nulls first limit 10 offset 5")
    assert q.fields == ("Id", "Name") and q.sobject == "Account" and (q.limit, q.offset) == (10, 5)
    assert isinstance(q.where, BoolOp) and q.where.op == "and"
    assert isinstance(q.where.items[0], BoolOp) and q.where.items[0].op == "or"
    assert isinstance(q.where.items[1], Not)
    assert [(o.field, o.descending, o.nulls_last) for o in q.order_by] == [
        ("SystemModstamp", False, None), ("Id", True, False)]


@pytest.mark.parametrize("literal", ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00",
                                     "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000+0000",
                                     "2026-01-01T01:00:00+01:00"])
def test_datetime_literal_forms_mean_the_same_instant(literal: str) -> None:
    q = parse(f"SELECT Id FROM Account WHERE SystemModstamp >= {literal}")
    assert isinstance(q.where, Comparison)
    assert q.where.value.value == datetime(2026, 1, 1, tzinfo=UTC)  # type: ignore[union-attr]


def test_in_like_and_escapes() -> None:
    q = parse(r"SELECT Id FROM Contact WHERE Name LIKE 'O\'Br%' AND MailingCountry NOT IN ('France', 'Japan')")
    assert isinstance(q.where, BoolOp)
    like, notin = q.where.items
    assert like.value.value == "O'Br%"  # type: ignore[union-attr]
    assert notin.op == "notin" and [v.value for v in notin.value] == ["France", "Japan"]  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["", "SELECT FROM Account", "SELECT Id Account", "SELECT Id FROM Account WHERE",
                                  "SELECT Id FROM Account LIMIT x", "SELECT Id FROM Account WHERE Name = 'x",
                                  "SELECT Id FROM Account ORDER Name", "SELECT Id FROM Account WHERE (Name = 'a'"])
def test_malformed_queries_are_rejected(text: str) -> None:
    with pytest.raises(SoqlSyntaxError):
        parse(text)


def _run(emulator: LiveEmulator, soql: str, *, include_deleted: bool = False) -> list[tuple]:
    plan = translate(parse(soql), emulator.api.sobjects, include_deleted=include_deleted,
                     bin_cutoff="2025-12-17T00:00:00.000+0000")
    conn = emulator.store.reader()
    try:
        return conn.execute(plan.sql, plan.params).fetchall()
    finally:
        conn.close()


def test_translation_matches_the_rows(sf_shared: LiveEmulator) -> None:
    conn = sqlite3.connect(sf_shared.store.path)
    expected = {r[0] for r in conn.execute(
        "select Id from Account where IsDeleted = 0 and SystemModstamp > '2025-06-01T00:00:00.000+0000' "
        "and (BillingCountry = 'France' or BillingCountry in ('Japan', 'Germany')) and AnnualRevenue >= 1000000")}
    conn.close()
    rows = _run(sf_shared, "SELECT Id FROM Account WHERE SystemModstamp > 2025-06-01T00:00:00Z AND "
                             "(BillingCountry = 'France' OR BillingCountry IN ('Japan', 'Germany')) "
                             "AND AnnualRevenue >= 1000000")
    assert {r[0] for r in rows} == expected and expected


def test_not_equal_keeps_nulls_and_booleans_compare(sf_shared: LiveEmulator) -> None:
    all_rows = _run(sf_shared, "SELECT Id FROM Account")
    customers = _run(sf_shared, "SELECT Id FROM Account WHERE Type = 'Customer'")
    others = _run(sf_shared, "SELECT Id FROM Account WHERE Type != 'Customer'")
    assert len(customers) + len(others) == len(all_rows)
    assert len(_run(sf_shared, "SELECT Id FROM Account WHERE IsDeleted = false")) == len(all_rows)


def test_order_by_and_limit(sf_shared: LiveEmulator) -> None:
    rows = _run(sf_shared, "SELECT SystemModstamp, Id FROM Contact ORDER BY SystemModstamp DESC, Id LIMIT 50")
    assert len(rows) == 50 and [r[0] for r in rows] == sorted((r[0] for r in rows), reverse=True)


def test_unknown_field_object_and_wrong_literal_type(sf_shared: LiveEmulator) -> None:
    for soql, code in [("SELECT Bogus FROM Account", "INVALID_FIELD"), ("SELECT Id FROM Bogus", "INVALID_TYPE"),
                       ("SELECT Id FROM Account WHERE SystemModstamp > '2026-01-01'", "INVALID_FIELD"),
                       ("SELECT Id FROM Account WHERE IsDeleted = 'yes'", "INVALID_FIELD"),
                       ("SELECT Id FROM Account ORDER BY Bogus", "INVALID_FIELD")]:
        with pytest.raises(SalesforceApiError) as caught:
            _run(sf_shared, soql)
        assert caught.value.error_code == code and caught.value.status == 400, soql
