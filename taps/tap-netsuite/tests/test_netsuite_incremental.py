"""Incremental correctness: changes and deletions after a full sync arrive in the next sync from its state,
and the merged result equals a fresh full sync; no STATE ever covers records not yet emitted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from concord_sandbox.store import set_meta
from concord_sandbox.writes import netsuite_delete
from netsuite_emulator import Emulator, copy_sandbox, running_emulator
from netsuite_sync import SyncResult, merge, run_tap
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1


def advance_clock(emulator: Emulator, hours: int) -> None:
    """Move the simulated clock forward (what `concord sandbox advance` does before generating activity)."""
    with emulator.store.transaction() as conn:
        set_meta(conn, "now", emulator.store.now() + hours * 3600)


def put(emulator: Emulator, record: str, eid: str, body: dict[str, Any]) -> None:
    c = emulator.store.credentials("netsuite")
    auth = OAuth1(c["consumer_key"], c["consumer_secret"], c["token_id"], c["token_secret"],
                  signature_method=SIGNATURE_HMAC_SHA256, realm=c["account_id"])
    response = requests.put(f"{emulator.url}/services/rest/record/v1/{record}/eid:{eid}", json=body, auth=auth,
                            timeout=30)
    assert response.status_code == 204, response.text


def assert_state_never_ahead(result: SyncResult, start: dict[str, Any] | None = None) -> None:
    """Every STATE bookmark is the one the sync started from or ≤ the newest version already emitted."""
    newest: dict[str, str] = {}
    initial = {s: b.get("replication_key_value") for s, b in (start or {}).get("bookmarks", {}).items()}
    for message in result.messages:
        if message["type"] == "RECORD" and not message["record"].get("_sdc_deleted_at"):
            stream = message["stream"]
            newest[stream] = max(newest.get(stream, ""), message["record"]["lastmodifieddate"])
        elif message["type"] == "STATE":
            for stream, bookmark in message["value"].get("bookmarks", {}).items():
                value = bookmark.get("replication_key_value")
                if value is not None and value != initial.get(stream):
                    assert stream in newest and value <= newest[stream], (stream, value, newest.get(stream))


def test_incremental_sync_with_changes_and_deletions(seeded_netsuite_db: Path, tmp_path: Path) -> None:
    with running_emulator(copy_sandbox(seeded_netsuite_db, tmp_path)) as emu:
        first = run_tap(emu.tap_config())
        assert_state_never_ahead(first)
        merged: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        merge(merged, first)
        conn = emu.store.conn
        customer_eid, customer_id = conn.execute(
            "select externalid, id from customer where externalid is not null order by id limit 1").fetchone()
        doomed_customer = conn.execute(
            "select id from customer where id not in (select entity from \"transaction\") order by id desc limit 1"
        ).fetchone()
        doomed_tx = conn.execute("select id from \"transaction\" where type = 'CustInvc' order by id limit 1"
                                 ).fetchone()[0]
        open_inv = conn.execute("select id, entity, foreignamountremaining from \"transaction\" "
                                "where type = 'CustInvc' and status = 'A' and id <> ? order by id limit 1",
                                (doomed_tx,)).fetchone()

        advance_clock(emu, 1)
        put(emu, "customer", customer_eid, {"email": "changed@example.test"})
        put(emu, "invoice", "in_INCREMENTAL1", {"entity": {"id": str(customer_id)},
                                               "item": {"items": [{"item": {"id": "101"}, "amount": 50.0}]}})
        put(emu, "customerPayment", "pi_INCREMENTAL1", {
            "customer": {"id": str(open_inv[1])}, "payment": open_inv[2],
            "apply": {"items": [{"doc": {"id": str(open_inv[0])}, "amount": open_inv[2]}]}})
        if doomed_customer:
            netsuite_delete(emu.store, "customer", doomed_customer[0])
        netsuite_delete(emu.store, "invoice", doomed_tx)

        second = run_tap(emu.tap_config(), state=first.state)
        assert_state_never_ahead(second, first.state)
        bookmark = first.state["bookmarks"]["transaction"]["replication_key_value"]
        changed = {r["id"] for r in second.records["transaction"]
                   if not r["_sdc_deleted_at"] and r["lastmodifieddate"] > bookmark}
        assert open_inv[0] in changed and len(changed) == 3  # the new invoice, the payment, the paid invoice
        deleted = [r for r in second.records["transaction"] if r["_sdc_deleted_at"]]
        assert [(r["id"], r["recordtype"]) for r in deleted] == [(doomed_tx, "invoice")]
        assert [r["email"] for r in second.records["customer"] if r["id"] == customer_id] == ["changed@example.test"]
        if doomed_customer:
            assert any(r["id"] == doomed_customer[0] and r["_sdc_deleted_at"] for r in second.records["customer"])
        assert second.state["bookmarks"]["transaction"]["deletions_bookmark"] >= "2026-01-01T01:00:00+00:00"
        assert len(second.records["transaction"]) < len(first.records["transaction"]) / 10
        merge(merged, second)

        third = run_tap(emu.tap_config(), state=second.state)  # nothing new: only the inclusive-bookmark ties
        assert not [r for r in third.records["transaction"] if r["_sdc_deleted_at"]]
        merge(merged, third)

        merged_equals_fresh(merged, emu)


def _without_version(table: dict[tuple[Any, ...], dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """A synced table with the version property removed (a re-sync may stamp a later version)."""
    return {k: {f: v for f, v in r.items() if f != "_concord_version"} for k, r in table.items()}


def merged_equals_fresh(merged: dict[str, dict[tuple[Any, ...], dict[str, Any]]], emu: Emulator) -> None:
    """The loader-style merge of the syncs so far equals what a fresh full sync sees now."""
    fresh: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    merge(fresh, run_tap(emu.tap_config()))
    live_tx = set(fresh["transaction"])
    merged["transactionline"] = {k: v for k, v in merged["transactionline"].items() if (k[0],) in live_tx}
    for stream in fresh:
        assert _without_version(merged[stream]) == _without_version(fresh[stream]), stream


def test_incremental_across_sandbox_advance(seeded_netsuite_db: Path, tmp_path: Path) -> None:
    db = copy_sandbox(seeded_netsuite_db, tmp_path)
    with running_emulator(db) as emu:
        first = run_tap(emu.tap_config())
        merged: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        merge(merged, first)
        env = {**os.environ, "CONCORD_SANDBOX_DIR": str(tmp_path)}
        advanced = subprocess.run([sys.executable, "-m", "concord.cli.main", "sandbox", "advance", "--hours", "1",
                                   "--json"], env=env, capture_output=True, text=True, timeout=300)
        assert advanced.returncode == 0, advanced.stderr
        report = json.loads(advanced.stdout)
        ns_changes = sum(report[kind].get(t, 0) for kind in ("inserted", "updated")
                         for t in ("customer", "transaction"))
        assert ns_changes > 0, report
        victim = emu.store.conn.execute("select id from customer order by id desc limit 1").fetchone()[0]
        has_tx = emu.store.conn.execute('select 1 from "transaction" where entity = ?', (victim,)).fetchone()
        if not has_tx:
            netsuite_delete(emu.store, "customer", victim)
        doomed_tx = emu.store.conn.execute("select id from \"transaction\" where type = 'CustPymt' order by id "
                                           "limit 1").fetchone()[0]
        netsuite_delete(emu.store, "customerPayment", doomed_tx)

        second = run_tap(emu.tap_config(), state=first.state)
        assert_state_never_ahead(second, first.state)
        bookmark = first.state["bookmarks"]["transaction"]["replication_key_value"]
        newer = [r for r in second.records["transaction"] if r["lastmodifieddate"] > bookmark]
        assert len(newer) >= 1 and any(r["_sdc_deleted_at"] and r["id"] == doomed_tx for r in newer)
        merge(merged, second)
        merged_equals_fresh(merged, emu)


def test_interrupted_sync_resumes_from_its_last_state(seeded_netsuite_db: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tap_netsuite.client import NetSuiteStream

    monkeypatch.setattr(NetSuiteStream, "STATE_MSG_FREQUENCY", 700)
    monkeypatch.setattr(NetSuiteStream, "STATE_EVERY", 250)
    with running_emulator(copy_sandbox(seeded_netsuite_db, tmp_path)) as emu:
        config = emu.tap_config(streams=["transaction"], page_size=300)
        full = run_tap(config)
        assert_state_never_ahead(full)
        assert len(full.states) >= 5
        # Cut the run after its third STATE (as if the process died there) and resume from that STATE.
        cut = [i for i, m in enumerate(full.messages) if m["type"] == "STATE"][2]
        before = [m["record"] for m in full.messages[:cut] if m["type"] == "RECORD"]
        resumed = run_tap(config, state=full.messages[cut]["value"])
        got = {r["id"] for r in before} | {r["id"] for r in resumed.records["transaction"]}
        assert got == {r["id"] for r in full.records["transaction"]}
        assert len(resumed.records["transaction"]) < len(full.records["transaction"])
