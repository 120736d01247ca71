"""Replay fixtures: one `tests/data_files/*.singer` stream in, one table state out, per behaviour."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from concord.loader.errors import MalformedLineError


def fixture_schema(name: str) -> dict:
    return orjson.loads((Path(__file__).resolve().parents[1] / "data_files" / f"{name}.singer").read_bytes().splitlines()[0])


def names(rows: list[dict]) -> dict:
    return {r["id"]: r["name"] for r in rows}


def test_duplicates_within_a_batch_keep_the_highest_version_and_last_arrival_on_ties(wh) -> None:
    summary = wh.load("duplicates_within_batch")
    rows = wh.rows("customers")
    assert names(rows) == {1: "a3", 2: "b"}
    assert rows[0]["_concord_version"] == datetime(2026, 1, 2, tzinfo=UTC)
    assert summary.loaded == 4 and summary.quarantined == 0


def test_duplicates_across_batches_merge_by_version(wh) -> None:
    summary = wh.load("duplicates_across_batches", batch_size_rows=2)
    assert summary.batches >= 3
    assert names(wh.rows("customers")) == {1: "a2-resent", 2: "b", 3: "c"}


def test_out_of_order_versions_never_overwrite_a_newer_row(wh) -> None:
    wh.load("out_of_order_versions", batch_size_rows=1)
    rows = wh.rows("documents")
    assert [(r["id"], r["rev"], r["value"]) for r in rows] == [("d1", 3, "three"), ("d2", 5, "five")]
    assert [r["_concord_version"] for r in rows] == [Decimal(3), Decimal(5)]


def test_schema_update_mid_stream_adds_widens_and_quarantines_incompatible(wh) -> None:
    summary = wh.load("schema_update_midstream")
    rows = wh.rows("orders")
    assert [(r["id"], r["amount"], r["code"], r["email"]) for r in rows] == [
        (1, Decimal(100), "7", None), (2, Decimal("12.5"), "X-9", "two@example.com")]
    assert rows[0]["created"] == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert rows[1]["name"] == "a name longer than the old maxLength of ten"  # text is unbounded: nothing to widen
    types = dict(wh.query("select column_name, data_type from information_schema.columns "
                          "where table_schema = 'raw_test' and table_name = 'orders'"))
    assert types["amount"] == "numeric" and types["code"] == "text" and types["email"] == "text"
    assert types["created"] == "timestamp with time zone"  # incompatible change: the column keeps its type
    [q] = wh.quarantine()
    assert q["record_key"] == {"id": 3} and q["field_path"] == "created"
    assert "incompatible schema change" in q["reason"]
    stats = summary.streams["orders"]
    assert stats.added_columns == ["email"]
    assert sorted(stats.widened) == ["amount bigint → numeric", "code bigint → text"]
    assert any("'created' is now bigint" in r for r in stats.incompatible)
    assert "incompatible schema change" in summary.render()


def test_missing_key_property_is_quarantined_and_the_rest_loads(wh) -> None:
    summary = wh.load("missing_key_property")
    assert names(wh.rows("customers")) == {1: "ok", 2: "ok too"}
    quarantined = wh.quarantine()
    assert [(q["field_path"], q["reason"], q["record_key"]) for q in quarantined] == [
        ("id", "missing key property", {"id": None}), ("id", "missing key property", {"id": None})]
    assert summary.quarantined == 2 and summary.status == "partial"


def test_bad_types_are_quarantined_with_field_and_reason(wh) -> None:
    wh.load("bad_types", max_value_bytes=64)
    rows = wh.rows("items")
    assert [r["id"] for r in rows] == [1, 10, 12]
    assert rows[2]["price"] == Decimal("2500")
    reasons = {q["record_key"]["id"]: (q["field_path"], q["reason"]) for q in wh.quarantine()}
    assert reasons[2] == ("amount", "expected an integer, got str")
    assert reasons[3] == ("created", "unparsable date-time: 'not a date'")
    assert reasons[4] == ("active", "expected a boolean, got str")
    assert reasons[5] == ("unexpected", "property not in the stream schema")
    assert reasons[6][0] == "name" and reasons[6][1].startswith("oversized value: 200 bytes")
    assert reasons[7] == ("amount", "integer out of bigint range")
    assert reasons[8] == ("price", "expected a number, got str")
    assert reasons[9][0] == "created" and "unparsable" in reasons[9][1]
    assert reasons[11] == ("price", "number outside the numeric range")
    q = {q["record_key"]["id"]: q for q in wh.quarantine()}
    assert orjson.loads(q[2]["raw_record"])["record"] == {"id": 2, "amount": "12"}
    assert q[2]["run_id"] and q[2]["first_seen_at"] is not None and q[2]["resolved_at"] is None


def test_deletions_are_soft_deletes(wh) -> None:
    wh.load("deletions")
    accounts = {r["id"]: r["_concord_deleted"] for r in wh.rows("accounts")}
    contacts = {r["id"]: r["_concord_deleted"] for r in wh.rows("contacts")}
    assert accounts == {"a1": False, "a2": True}
    assert contacts == {"c1": False, "c2": True}


def test_state_interleaved_with_records_commits_with_its_batch(wh) -> None:
    summary = wh.load("state_interleaved", batch_size_rows=2)
    assert [r["id"] for r in wh.rows("customers")] == [1, 2, 3, 4, 5]
    [(state,)] = wh.query("select state from concord_meta.singer_state where state_id = 'test'")
    assert state == {"bookmarks": {"customers": {"updated_at": "s3"}}}
    assert [orjson.loads(s)["bookmarks"]["customers"]["updated_at"] for s in wh.emitted_states()] == ["s2", "s3"]
    assert summary.last_state == state


def test_a_huge_record_lands_whole(wh) -> None:
    wh.load("huge_record")
    rows = wh.rows("blobs")
    assert len(rows[0]["body"]) == 300_000 and len(rows[0]["parts"]) == 3000
    assert rows[0]["parts"][2999] == {"n": 2999, "text": "part 2999"}
    assert rows[1]["parts"] == []


def test_unicode_lands_exactly_and_nul_bytes_are_quarantined_intact(wh) -> None:
    wh.load("unicode_and_nul")
    rows = {r["id"]: r for r in wh.rows("notes")}
    assert rows[1]["text"] == "naïve café \u2013 日本語 🚀 עברית e\u0301"
    assert rows[1]["doc"] == {"emoji": "🎉", "kéy": "v"}
    assert rows[2]["text"] == "line\u2028sep and tab\there"
    assert rows[5]["text"] == "escaped backslash \\u0000 is not a NUL" and rows[5]["doc"] == {"a": "\\u0000"}
    q = {q["record_key"]["id"]: q for q in wh.quarantine()}
    assert set(q) == {3, 4}
    assert (q[3]["field_path"], q[3]["reason"]) == ("text", "NUL byte in a string")
    assert (q[4]["field_path"], q[4]["reason"]) == ("doc", "NUL byte in a JSON value")
    assert orjson.loads(q[3]["raw_record"])["record"]["text"] == "nul\x00inside"


def test_an_empty_stream_creates_its_table_and_stores_the_state(wh) -> None:
    summary = wh.load("empty_stream")
    assert wh.rows("refunds") == []
    assert wh.query("select state from concord_meta.singer_state") == [({"bookmarks": {"refunds": {}}},)]
    assert summary.records_in == 0 and summary.status == "succeeded"


def test_a_malformed_line_stops_the_run_after_committing_what_came_before(wh) -> None:
    with pytest.raises(MalformedLineError, match="line 6: not valid JSON"):
        wh.load("malformed_line")
    assert names(wh.rows("customers")) == {1: "a", 2: "b", 3: "c"}
    [(state,)] = wh.query("select state from concord_meta.singer_state")
    assert state["bookmarks"]["customers"]["updated_at"] == "before"
    [(status, detail)] = wh.query("select status, detail from concord_meta.runs")
    assert status == "failed" and "line 6" in detail["error"]


def test_an_unknown_message_type_stops_the_run_naming_the_line(wh) -> None:
    with pytest.raises(MalformedLineError, match="line 4: unknown Singer message type 'HEARTBEAT'"):
        wh.load("unknown_message_type")
    assert names(wh.rows("customers")) == {1: "a"}


def test_activate_version_soft_deletes_rows_missing_from_the_new_version(wh) -> None:
    wh.load("activate_version")
    rows = wh.rows("plans")
    assert [(r["id"], r["name"], r["_concord_deleted"], r["_concord_table_version"]) for r in rows] == [
        (1, "a", False, 200), (2, "b", True, 100), (3, "c2", False, 200)]


def test_a_changed_key_or_version_kind_quarantines_the_stream_s_records(wh) -> None:
    wh.load("duplicates_within_batch")
    schema = fixture_schema("duplicates_within_batch")
    schema["bookmark_properties"] = ["name"]  # versions were date-times, now text
    rekeyed = {**schema, "key_properties": ["name"], "bookmark_properties": ["updated_at"]}
    record = b'{"type":"RECORD","stream":"customers","record":{"id":9,"name":"z","updated_at":"2026-02-01T00:00:00Z"}}\n'
    summary = wh.load([orjson.dumps(schema) + b"\n", record, orjson.dumps(rekeyed) + b"\n", record.replace(b"9", b"10")])
    assert summary.quarantined == 2 and summary.loaded == 0
    reasons = [q["reason"] for q in wh.quarantine()]
    assert "the version property 'name' is now text, _concord_version is timestamptz" in reasons[0]
    assert "key properties are now ['name'], the table's primary key is ['id']" in reasons[1]
    assert names(wh.rows("customers")) == {1: "a3", 2: "b"}


def test_streams_without_key_properties_are_appended(wh) -> None:
    wh.load("keyless_append")
    wh.load("keyless_append")
    rows = wh.rows("events", order="event")
    assert [r["event"] for r in rows] == ["click"] * 4 + ["view"] * 2


def test_a_tap_property_with_the_concord_prefix_is_an_ordinary_column_across_runs(wh) -> None:
    """Only the loader's own meta columns are reserved: a tap's `_concord_updated` lands and survives reruns."""
    schema = {"type": "SCHEMA", "stream": "charges", "key_properties": ["id"], "bookmark_properties": ["_concord_updated"],
              "schema": {"type": "object", "properties": {"id": {"type": "string"}, "_concord_updated": {"type": "integer"}}}}

    def run(updated: int) -> None:
        wh.load([orjson.dumps(schema), orjson.dumps({"type": "RECORD", "stream": "charges",
                                                     "record": {"id": "ch_1", "_concord_updated": updated}}),
                 orjson.dumps({"type": "STATE", "value": {"n": updated}})])

    run(1)
    run(2)
    assert [(r["id"], r["_concord_updated"]) for r in wh.rows("charges")] == [("ch_1", 2)]
