"""`concord replay quarantine`: quarantined records land after a fix and are marked resolved; the rest stay."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from concord.loader.replay import replay_quarantine


def test_replay_after_widening_a_column_and_raising_the_size_limit_resolves_what_now_fits(wh) -> None:
    wh.load("bad_types", max_value_bytes=64)
    assert len(wh.quarantine()) == 9
    wh.execute("alter table raw_test.items alter column amount type text")  # the fix for record 2 ("12")
    summary = replay_quarantine(wh.url, "test")  # default size limit: record 6's 200-byte name fits now
    assert summary.resolved == {"items": 2}
    rows = {r["id"]: r for r in wh.rows("items")}
    assert rows[2]["amount"] == "12" and rows[6]["name"] == "x" * 200
    assert rows[6]["_concord_run_id"] == summary.run_id
    quarantined = {q["record_key"]["id"]: q for q in wh.quarantine()}
    assert quarantined[2]["resolved_by_run"] == summary.run_id and quarantined[2]["resolved_at"] is not None
    still = [q for q in quarantined.values() if q["resolved_at"] is None]
    assert len(still) == 7 and all(q["attempts"] == 2 for q in still)
    assert "replay" in summary.render()


def test_replay_never_overwrites_a_newer_row(wh) -> None:
    wh.load([
        b'{"type":"SCHEMA","stream":"c","schema":{"properties":{"id":{"type":"integer"},"n":{"type":"integer"},'
        b'"v":{"type":"integer"}}},"key_properties":["id"],"bookmark_properties":["v"]}\n',
        b'{"type":"RECORD","stream":"c","record":{"id":1,"n":"old","v":1}}\n',
        b'{"type":"RECORD","stream":"c","record":{"id":1,"n":5,"v":2}}\n',
    ])
    wh.execute("alter table raw_test.c alter column n type text")
    summary = replay_quarantine(wh.url, "test", "c")
    assert summary.resolved == {"c": 1}
    assert [(r["n"], r["v"]) for r in wh.rows("c")] == [("5", 2)]


def test_a_record_quarantined_again_on_a_rerun_is_one_row_with_more_attempts(wh) -> None:
    wh.load("missing_key_property")
    wh.load("missing_key_property")
    rows = wh.quarantine()
    assert len(rows) == 2 and [q["attempts"] for q in rows] == [2, 2]


def test_concord_replay_cli(wh) -> None:
    wh.load("bad_types", max_value_bytes=64)
    exe = Path(sys.executable).with_name("concord")
    env = {**os.environ, "CONCORD_WAREHOUSE_URL": wh.url}
    out = subprocess.run([str(exe), "replay", "quarantine", "--source", "test", "--stream", "items"],
                         capture_output=True, text=True, env=env, check=True).stdout
    assert "1 resolved, 8 still quarantined" in out
    assert "items: 1 resolved, 8 failing" in out
