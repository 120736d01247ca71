"""Paging past the per-query result cap, injected faults and secret hygiene."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from concord_sandbox.faults import FaultConfig, save_faults
from netsuite_emulator import Emulator, copy_sandbox, running_emulator
from netsuite_sync import key_of, run_tap
from tap_netsuite.errors import NetSuiteAuthError, NetSuiteQueryError

SHARED_STAMP = "2025-06-30 12:00:00"


@pytest.fixture(scope="module")
def crowded_db(seeded_netsuite_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sandbox copy where 900 transactions (and their lines) share one lastmodifieddate second."""
    db = copy_sandbox(seeded_netsuite_db, tmp_path_factory.mktemp("crowded"))
    with sqlite3.connect(db) as conn:
        conn.execute('update "transaction" set lastmodifieddate = ? where id in '
                     '(select id from "transaction" order by id limit 900)', (SHARED_STAMP,))
    return db


def keys(result: Any, stream: str) -> list[tuple[Any, ...]]:
    return [key_of(stream, r) for r in result.records[stream]]


@pytest.fixture(scope="module")
def clean_run(crowded_db: Path) -> Any:
    with running_emulator(crowded_db) as emu:
        return run_tap(emu.tap_config(streams=["transaction", "transactionline"]))


@pytest.mark.parametrize("tap_cap", [300, 100_000], ids=["tap-knows-cap", "server-stops-short"])
def test_result_cap_windows_have_no_gap_and_no_loop(crowded_db: Path, clean_run: Any, tap_cap: int) -> None:
    with running_emulator(crowded_db, max_results=300) as emu:
        capped = run_tap(emu.tap_config(streams=["transaction", "transactionline"], page_size=100,
                                        max_query_results=tap_cap))
    for stream in ("transaction", "transactionline"):
        got = keys(capped, stream)
        assert len(got) == len(set(got)), f"{stream}: duplicates across windows"
        assert sorted(got) == sorted(keys(clean_run, stream)), f"{stream}: gap"
        stamps = [r["lastmodifieddate"] for r in capped.records[stream]]
        assert stamps == sorted(stamps)
    assert "query result cap reached" in capped.stderr
    assert sum(r["lastmodifieddate"].startswith("2025-06-30T12:00:00") for r in capped.records["transaction"]) == 900


FAULTS = FaultConfig(rate_429=0.08, rate_500=0.04, rate_502=0.04, rate_503=0.04, rate_reset=0.08,
                     rate_truncate=0.08, retry_after=0, seed=7)


@pytest.fixture
def chaotic(seeded_netsuite_db: Path, tmp_path: Path) -> Iterator[Emulator]:
    """An emulator over a private copy of the sandbox with the sandbox's fault injection switched on."""
    db = copy_sandbox(seeded_netsuite_db, tmp_path)
    with sqlite3.connect(db) as conn:
        save_faults(conn, {"netsuite": FAULTS})
    with running_emulator(db) as emulator:
        yield emulator


@pytest.mark.xdist_group("netsuite_shared")
def test_same_records_under_injected_faults(netsuite_emulator: Emulator, chaotic: Emulator) -> None:
    clean = run_tap(netsuite_emulator.tap_config(page_size=250))
    faulty = run_tap(chaotic.tap_config(page_size=250))
    for stream, records in clean.records.items():
        assert sorted(map(repr, faulty.records[stream])) == sorted(map(repr, records)), stream
    assert faulty.state == clean.state
    retried = faulty.stderr.count("retrying after")
    assert retried >= 10, "the fault rates should have caused retries"
    for kind in ("HTTP 429", "HTTP 50", "truncated or malformed", "Connection"):
        assert kind in faulty.stderr, kind


def secrets_of(emulator: Emulator) -> list[str]:
    c = emulator.store.credentials("netsuite")
    return [c[k] for k in ("consumer_secret", "token_secret", "consumer_key", "token_id", "oauth2_private_key_pem")]


def test_secrets_never_in_logs_or_errors(chaotic: Emulator) -> None:
    emu = chaotic
    result = run_tap(emu.tap_config(streams=["customer"], page_size=200))
    with pytest.raises(NetSuiteAuthError) as failure:
        run_tap(emu.tap_config(streams=["currency"], token_secret="0" * 64))
    message = str(failure.value)
    assert "currency" in message and "SELECT" in message and "401" in message
    for secret in secrets_of(emu):
        assert secret not in result.stderr
        assert secret not in message
        assert secret not in repr(failure.value.args)


@pytest.mark.xdist_group("netsuite_shared")
def test_fatal_query_error_fails_fast_naming_stream_and_query(netsuite_emulator: Emulator,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tap_netsuite.streams import ItemStream

    monkeypatch.setattr(ItemStream, "filters", ["i.nosuchfield = 'x'"])
    with pytest.raises(NetSuiteQueryError) as failure:
        run_tap(netsuite_emulator.tap_config(streams=["item"]))
    assert failure.value.stream == "item" and "nosuchfield" in failure.value.query
    assert failure.value.status == 400 and failure.value.code == "INVALID_PARAMETER"


@pytest.mark.xdist_group("netsuite_shared")
def test_oauth2_client_credentials_config_syncs(netsuite_emulator: Emulator) -> None:
    c = netsuite_emulator.store.credentials("netsuite")
    config = {k: v for k, v in netsuite_emulator.tap_config().items()
              if k not in ("consumer_key", "consumer_secret", "token_id", "token_secret")}
    config.update({"oauth2_client_id": c["oauth2_client_id"], "oauth2_certificate_id": c["oauth2_certificate_id"],
                   "oauth2_private_key": c["oauth2_private_key_pem"], "streams": ["subsidiary", "currency"]})
    result = run_tap(config)
    assert len(result.records["subsidiary"]) == 4 and len(result.records["currency"]) == 6
    assert c["oauth2_private_key_pem"] not in result.stderr
