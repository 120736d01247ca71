"""Resilience: injected HTTP faults, the daily API limit, expiring sessions, rejected queries, stale
bookmarks; and that no STATE ever covers a record not yet emitted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from concord_sandbox.apis.salesforce.live import LiveEmulator, faults_met, set_faults, start_emulator
from concord_sandbox.faults import FaultConfig
from sf_tap_runner import TapRun, run_tap, run_tap_in_process
from tap_salesforce.errors import BookmarkTooOldError, QueryRejectedError
from tap_salesforce.tap import TapSalesforce

FAST_RETRIES = {"backoff_base_seconds": 0.01, "backoff_max_seconds": 0.2, "max_retries": 12}


def record_versions(run: TapRun) -> dict[str, dict[str, tuple[str, Any]]]:
    """Per stream: Id → (SystemModstamp, _sdc_deleted_at) of the last copy received."""
    out: dict[str, dict[str, tuple[str, Any]]] = {}
    for stream, records in run.records.items():
        out[stream] = {r["Id"]: (r["SystemModstamp"], r["_sdc_deleted_at"]) for r in records}
    return out


def assert_state_never_ahead(run: TapRun) -> None:
    """Each STATE's bookmark for a stream is a version already emitted on that stream (or an input bookmark)."""
    seen: dict[str, str] = {}
    for msg in run.messages:
        if msg["type"] == "RECORD":
            stamp = msg["record"]["SystemModstamp"]
            seen[msg["stream"]] = max(seen.get(msg["stream"], stamp), stamp)
        elif msg["type"] == "STATE":
            for stream, mark in msg["value"].get("bookmarks", {}).items():
                if stream in seen:
                    assert mark["replication_key_value"] <= seen[stream], (stream, mark, seen[stream])


@pytest.fixture
def clean_run(sf_shared: LiveEmulator, tmp_path: Path) -> TapRun:
    run = run_tap_in_process(sf_shared.tap_config(batch_size=200))
    assert run.returncode == 0, run.stderr[-2000:]
    return run


def test_faults_do_not_change_the_record_set(clean_run: TapRun, sf_db_copy: Path, tmp_path: Path) -> None:
    # 5 % 429, 2 % 5xx, 4 % resets, 4 % truncated bodies; this seed puts each kind among the first 20 requests
    # (a full sync makes more than 20: 6 describes and 21 pages of 200).
    faults = FaultConfig(rate_429=0.05, rate_500=0.01, rate_503=0.01, rate_reset=0.04, rate_truncate=0.04,
                         retry_after=0, seed=51)
    assert {"429", "503", "reset", "truncate"} <= set(faults_met(faults, 20))
    set_faults(sf_db_copy, faults)
    emulator = start_emulator(sf_db_copy)
    try:
        run = run_tap_in_process(emulator.tap_config(batch_size=200, **FAST_RETRIES))
    finally:
        emulator.stop()
    assert record_versions(run) == record_versions(clean_run)
    assert run.state is not None and run.state["bookmarks"].keys() == clean_run.state["bookmarks"].keys()
    assert_state_never_ahead(run)


def test_request_limit_ends_the_run_cleanly_and_the_next_run_resumes(clean_run: TapRun, sf_db_copy: Path,
                                                                      tmp_path: Path) -> None:
    # 6 describes + 6 pages: the limit strikes inside the page sequence of one stream.
    emulator = start_emulator(sf_db_copy, daily_limit=12)
    try:
        config = emulator.tap_config(batch_size=200)
        first = run_tap(tmp_path / "first", config)
        assert first.returncode == 0, first.stderr[-2000:]
        assert "REQUEST_LIMIT_EXCEEDED" in first.stderr
        assert_state_never_ahead(first)
        total = sum(len(v) for v in clean_run.records.values())
        assert 0 < sum(len(v) for v in first.records.values()) < total
        with emulator.store.transaction() as conn:  # the next (simulated) hour falls on a new API day
            conn.execute("update sandbox_meta set value = cast(value as integer) + 86400 where key = 'now'")
        emulator.api.usage.daily_limit = 1_000_000
        second = run_tap_in_process(config, first.state)
    finally:
        emulator.stop()
    assert second.returncode == 0, second.stderr[-2000:]
    for stream, versions in record_versions(clean_run).items():
        got = record_versions(first).get(stream, {}) | record_versions(second).get(stream, {})
        assert got == versions, stream


def test_expired_sessions_are_refreshed(clean_run: TapRun, sf_db_copy: Path, tmp_path: Path) -> None:
    emulator = start_emulator(sf_db_copy, session_seconds=0.05)
    try:
        run = run_tap_in_process(emulator.tap_config(batch_size=200, **FAST_RETRIES))
        issued = emulator.api.sessions.issued
    finally:
        emulator.stop()
    assert run.returncode == 0, run.stderr[-2000:]
    assert issued > 1
    assert record_versions(run) == record_versions(clean_run)


def test_rejected_query_fails_fast_naming_stream_and_query(sf_shared: LiveEmulator) -> None:
    """A catalog naming a field the org no longer has: INVALID_FIELD, no retries, stream and query named."""
    config = sf_shared.tap_config(streams=["Account"], **FAST_RETRIES)
    catalog = TapSalesforce(config=config).catalog_dict
    entry = catalog["streams"][0]
    entry["schema"]["properties"]["Retired_Field__c"] = {"type": ["string", "null"]}
    entry["metadata"].append({"breadcrumb": ["properties", "Retired_Field__c"],
                              "metadata": {"inclusion": "available", "selected": True}})
    for item in entry["metadata"]:
        if item["breadcrumb"] == []:
            item["metadata"]["selected"] = True
    before = sf_shared.api.usage.remaining()
    with pytest.raises(QueryRejectedError) as caught:
        run_tap_in_process(config, catalog=catalog)
    assert caught.value.stream == "Account" and caught.value.error_code == "INVALID_FIELD"
    assert "Retired_Field__c" in caught.value.soql and caught.value.soql in str(caught.value)
    assert before - sf_shared.api.usage.remaining() <= 2  # one describe, one query: no retries


def test_bookmark_older_than_the_recycle_bin_asks_for_a_full_resync(sf_shared: LiveEmulator) -> None:
    state = {"bookmarks": {"Contact": {"replication_key": "SystemModstamp",
                                       "replication_key_value": "2025-11-01T00:00:00.000+00:00"}}}
    with pytest.raises(BookmarkTooOldError) as caught:
        run_tap_in_process(sf_shared.tap_config(streams=["Contact"]), state)
    assert caught.value.stream == "Contact" and "full re-sync" in str(caught.value)


def test_secrets_never_reach_the_logs(sf_db_copy: Path, tmp_path: Path) -> None:
    set_faults(sf_db_copy, FaultConfig(rate_429=0.1, rate_500=0.1, rate_truncate=0.05, retry_after=0, seed=5))
    emulator = start_emulator(sf_db_copy, session_seconds=0.05)
    creds = emulator.store.credentials("salesforce")
    try:
        config = emulator.tap_config(username=creds["username"], password=creds["password"],
                                     security_token=creds["security_token"], batch_size=500, **FAST_RETRIES)
        good = run_tap(tmp_path / "good", config)
        bad = run_tap(tmp_path / "bad", {**config, "password": "Wrong-" + creds["password"]})
        tokens = emulator.api.sessions.known_tokens()
    finally:
        emulator.stop()
    assert good.returncode == 0, good.stderr[-2000:]
    assert bad.returncode != 0 and "invalid_grant" in bad.stderr
    logs = good.stderr + bad.stderr
    for secret in (creds["client_secret"], creds["password"], creds["security_token"], *tokens):
        assert secret not in logs
    assert "Backing off" in logs or "retry" in logs  # the faults were logged, without secrets
