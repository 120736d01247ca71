"""After a load the raw tables it changed by more than a tenth carry fresh planner statistics; a small change to a
big table leaves them alone (ANALYZE is not repeated every hour for a handful of rows)."""

from __future__ import annotations

import orjson

SCHEMA = {"type": "SCHEMA", "stream": "items", "key_properties": ["id"],
          "schema": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}


def _lines(ids: range) -> list[bytes]:
    records = [orjson.dumps({"type": "RECORD", "stream": "items", "record": {"id": i, "name": f"n{i}"}}) for i in ids]
    return [orjson.dumps(SCHEMA) + b"\n", *(r + b"\n" for r in records),
            orjson.dumps({"type": "STATE", "value": {"bookmarks": {"items": {"id": ids[-1]}}}}) + b"\n"]


def _analyzed(wh) -> tuple[int, float]:
    (count, reltuples), = wh.query(
        "select s.analyze_count + s.autoanalyze_count, c.reltuples from pg_stat_user_tables s "
        "join pg_class c on c.oid = s.relid where s.schemaname = 'raw_test' and s.relname = 'items'")
    return count, reltuples


def test_a_large_load_analyzes_the_table_and_a_small_one_does_not(wh) -> None:
    wh.load(_lines(range(1, 2001)))
    count, reltuples = _analyzed(wh)
    assert count == 1 and reltuples == 2000  # the planner knows the table's size right after the load

    wh.load(_lines(range(2001, 2051)))  # 50 new rows: 2.5 % of the table
    assert _analyzed(wh)[0] == 1

    wh.load(_lines(range(2051, 2551)))  # 500 rows: more than a tenth of the 2,000 the last ANALYZE saw
    count, reltuples = _analyzed(wh)
    assert count == 2 and reltuples == 2550
