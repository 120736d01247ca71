"""Every committed batch leaves one concord_meta.load_batches row per raw table it changed: its transaction's
start (the `_concord_loaded_at` of its rows) and the moment before it committed. The incremental marts read them."""

from __future__ import annotations

import orjson

SCHEMA = {"type": "SCHEMA", "stream": "items", "key_properties": ["id"],
          "schema": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}


def _lines(ids: range) -> list[bytes]:
    out = [orjson.dumps(SCHEMA) + b"\n"]
    for i in ids:
        out.append(orjson.dumps({"type": "RECORD", "stream": "items", "record": {"id": i, "name": f"n{i}"}}) + b"\n")
        out.append(orjson.dumps({"type": "STATE", "value": {"bookmarks": {"items": {"id": i}}}}) + b"\n")
    return out


def test_each_batch_records_its_start_and_commit_per_table(wh) -> None:
    summary = wh.load(_lines(range(1, 11)), batch_size_rows=4)
    batches = wh.query("select table_name, rows, started_at, committed_at from concord_meta.load_batches "
                       "where schema_name = 'raw_test' order by batch_id")
    assert len(batches) == 3 and summary.batches >= 3  # (the table's DDL commits a batch of its own, no rows)
    assert [b[:2] for b in batches] == [("items", 4), ("items", 4), ("items", 2)]
    assert all(started <= committed for _, _, started, committed in batches)
    # the rows of a batch carry its start as their load time
    loaded = wh.query("select _concord_loaded_at, count(*) from raw_test.items group by 1 order by 1")
    assert [(t, n) for t, n in loaded] == [(b[2], b[1]) for b in batches]


def test_a_batch_that_changed_nothing_records_nothing(wh) -> None:
    wh.load(_lines(range(1, 3)))
    before = wh.query("select count(*) from concord_meta.load_batches")[0][0]
    wh.load([orjson.dumps(SCHEMA) + b"\n", orjson.dumps({"type": "STATE", "value": {"bookmarks": {}}}) + b"\n"])
    assert wh.query("select count(*) from concord_meta.load_batches")[0][0] == before
