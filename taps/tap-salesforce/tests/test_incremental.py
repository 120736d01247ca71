"""Incremental correctness: sync; `concord sandbox advance --hours 1` plus writes through the REST API
(deletions, merges, a 250-record tie that straddles a page boundary); sync from the emitted state. Exactly the
changed, deleted and merged records arrive (plus re-reads of records stamped at the bookmark instant itself),
none missed at page boundaries."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests
from concord_sandbox.apis.salesforce.live import LiveEmulator
from concord_sandbox.apis.salesforce.records import merge_records
from sf_tap_runner import run_tap_in_process

STREAMS = ("Account", "Contact", "Opportunity", "User", "Product2", "OpportunityLineItem")


def _visible(db: Path) -> dict[str, dict[str, tuple[str, int]]]:
    """What `queryAll` can show per sObject: Id → (SystemModstamp, IsDeleted), recycle bin included."""
    conn = sqlite3.connect(db)
    now = int(conn.execute("select value from sandbox_meta where key='now'").fetchone()[0])
    cutoff = _sf(now - 15 * 86400)
    out: dict[str, dict[str, tuple[str, int]]] = {}
    for table in STREAMS:
        if table == "User":
            rows = conn.execute('select Id, SystemModstamp, 0 from "User"')
        else:
            rows = conn.execute(f'select Id, SystemModstamp, IsDeleted from "{table}" '
                                "where IsDeleted = 0 or _deleted_at >= ?", (cutoff,))
        out[table] = {r[0]: (r[1], r[2]) for r in rows}
    conn.close()
    return out


def _sf(ts: int) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(ts))


def _advance_clock(emulator: LiveEmulator, seconds: int) -> None:
    with emulator.store.transaction() as conn:
        conn.execute("update sandbox_meta set value = cast(value as integer) + ? where key = 'now'", (seconds,))


def _advance_one_hour(db: Path) -> None:
    """`concord sandbox advance --hours 1` on the sandbox at `db` (the emulator keeps serving it)."""
    concord = str(Path(sys.executable).with_name("concord"))
    env = {**os.environ, "CONCORD_SANDBOX_DIR": str(db.parent)}
    proc = subprocess.run([concord, "sandbox", "advance", "--hours", "1"], env=env, capture_output=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]


def _writes_through_the_api(emulator: LiveEmulator) -> dict[str, list[str]]:
    """Changes through the emulator's REST API (as users and integrations make them) over 40 minutes.

    250 Contacts change in the same second, so the sync sees a page boundary (batch 200) inside a tie.
    """
    base = f"{emulator.base_url}/services/data/v62.0"
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {emulator.access_token()}"
    conn = emulator.store.reader()
    contacts = [r[0] for r in conn.execute('select Id from "Contact" where IsDeleted = 0 order by Id limit 250')]
    accounts = [r[0] for r in conn.execute('select Id from "Account" where IsDeleted = 0 order by Id desc limit 8')]
    opportunities = [r[0] for r in conn.execute('select Id from "Opportunity" where IsDeleted = 0 limit 30')]
    conn.close()

    _advance_clock(emulator, 600)
    for cid in contacts:
        assert http.patch(f"{base}/sobjects/Contact/{cid}", json={"Title": "Changed"}, timeout=10).status_code == 204
    _advance_clock(emulator, 900)
    for acc in accounts[:3]:
        assert http.delete(f"{base}/sobjects/Account/{acc}", timeout=10).status_code == 204
    merge_records(emulator.store, emulator.api.sobjects["Account"], accounts[3], [accounts[4], accounts[5]])
    _advance_clock(emulator, 900)
    result = http.patch(f"{base}/composite/sobjects", json={"allOrNone": False, "records": [
        {"attributes": {"type": "Opportunity"}, "id": oid, "StageName": "Negotiation"} for oid in opportunities]},
        timeout=10).json()
    assert all(r["success"] for r in result)
    created = http.post(f"{base}/sobjects/Contact/", json={"LastName": "Newcomer", "AccountId": accounts[3]},
                        timeout=10)
    assert created.status_code == 201
    return {"deleted": accounts[:3], "merged": accounts[4:6], "created": [created.json()["id"]]}


def test_sync_advance_sync_delivers_exactly_the_changes(sf_private: LiveEmulator, tmp_path: Path) -> None:
    config = sf_private.tap_config(batch_size=200)
    first = run_tap_in_process(config)
    assert first.returncode == 0, first.stderr[-2000:]
    before = _visible(sf_private.store.path)
    assert {s: first.ids(s) for s in STREAMS} == {s: set(before[s]) for s in STREAMS}

    _advance_one_hour(sf_private.store.path)
    written = _writes_through_the_api(sf_private)
    after = _visible(sf_private.store.path)
    second = run_tap_in_process(config, first.state)
    assert second.returncode == 0, second.stderr[-2000:]

    for stream in STREAMS:
        changed = {i for i, v in after[stream].items() if before[stream].get(i) != v}
        bookmark = first.bookmark(stream).replace("+00:00", "+0000")
        at_bookmark = {i for i, (stamp, _) in after[stream].items() if stamp == bookmark}
        arrived = second.ids(stream)
        assert changed <= arrived, f"{stream}: missed {sorted(changed - arrived)[:5]}"
        assert arrived - changed <= at_bookmark, f"{stream}: unexpected {sorted(arrived - changed - at_bookmark)[:5]}"
    assert written["created"][0] in second.ids("Contact")

    deleted = {r["Id"]: r for r in second.records["Account"] if r["_sdc_deleted_at"]}
    assert set(written["deleted"] + written["merged"]) <= set(deleted)
    assert all(deleted[i]["MasterRecordId"] for i in written["merged"])
    assert not any(deleted[i]["MasterRecordId"] for i in written["deleted"])
    assert all(r["IsDeleted"] and r["_sdc_deleted_at"] == r["SystemModstamp"] for r in deleted.values())
    # Every record carries its version; bookmarks only move forward.
    assert all(r["SystemModstamp"] for recs in second.records.values() for r in recs)
    assert all(second.bookmark(s) >= first.bookmark(s) for s in STREAMS)


def test_rerun_from_final_state_only_rereads_the_bookmark_instant(sf_shared: LiveEmulator, tmp_path: Path) -> None:
    config = sf_shared.tap_config()
    first = run_tap_in_process(config)
    again = run_tap_in_process(config, first.state)
    assert again.returncode == 0
    for stream in STREAMS:
        bookmark = first.bookmark(stream)
        assert again.records.get(stream), f"{stream}: the record at the bookmark should be re-read"
        assert all(r["SystemModstamp"] == bookmark for r in again.records[stream])
