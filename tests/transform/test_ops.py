"""Operations view on the shared synced-and-built sandbox warehouse: the run ledger against what was synced,
`concord status` exit codes, `concord trace` of a planted inconsistency, and the HTML report in Chromium."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from concord.observability.tap_metrics import parse_tap_log
from concord.sync.sources import SOURCES
from tests.transform.conftest import CONCORD, BuiltWarehouse
from tests.transform.headless_chromium import render

pytestmark = pytest.mark.xdist_group("dbt")


def concord(built: BuiltWarehouse, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`concord <args>` against `url`, whatever its exit code."""
    env = {**built.env, "CONCORD_WAREHOUSE_URL": url}
    return subprocess.run([CONCORD, *args], env=env, capture_output=True, text=True, check=False)


def sync_run_id(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("select run_id from concord_meta.runs where stage like 'sync:%' "
                            "order by started_at limit 1").fetchone()[0]


def test_ledger_counts_match_what_was_synced(built_warehouse: BuiltWarehouse) -> None:
    url = built_warehouse.url
    run_id = sync_run_id(url)
    with psycopg.connect(url) as conn:
        rows = {stage: (status, rin, rout, q, retries, errors, nbytes, detail, started, ended)
                for stage, status, rin, rout, q, retries, errors, nbytes, detail, started, ended in conn.execute(
                    "select stage, status, records_in, records_out, quarantined, retries, api_errors, bytes, detail, "
                    "started_at, ended_at from concord_meta.runs where run_id = %s", (run_id,)).fetchall()}
        for name in SOURCES:
            status, rin, rout, quarantined, retries, errors, nbytes, detail, started, ended = rows[f"sync:{name}"]
            load = rows[f"load:{name}"]
            landed = sum(
                conn.execute(f'select count(*) from "raw_{name}"."{t}" where _concord_run_id = %s', (run_id,)
                             ).fetchone()[0]
                for (t,) in conn.execute("select table_name from information_schema.tables where table_schema = %s",
                                         (f"raw_{name}",)).fetchall())
            assert status == "succeeded" and ended >= started
            # A first sync lands every record once: the tap's count, the loader's and the table rows agree.
            assert rin == load[1] == rout == landed > 0, (name, rin, load[1], rout, landed)
            assert quarantined == load[3] == 0
            assert nbytes == load[6] > 0
            assert {s: n for s, n in detail["streams"].items() if n} == {
                s: v["loaded"] for s, v in load[7]["streams"].items() if v["loaded"]}
            assert detail["requests"] > 0
            # Retries and API errors are what the tap's own log says (stripe's emulator rate-limits: 429s).
            tap = parse_tap_log(Path(detail["tap_log"]))
            assert retries == tap.retries
            assert errors == dict(tap.api_errors)
            assert sum(errors.values()) <= detail["requests"]
        # `concord transform build` ran under its own (manual) run id.
        status, nodes, ok, detail = conn.execute(
            "select status, records_in, records_out, detail from concord_meta.runs where stage = 'transform'"
        ).fetchone()
        assert status == "succeeded" and nodes == ok > 50 and sum(detail["by_status"].values()) == nodes


def test_tap_log_parser_reads_each_taps_retry_lines_and_metric_statuses(tmp_path: Path) -> None:
    log = tmp_path / "tap.log"
    log.write_text("\n".join([
        '2026-01-01 | INFO | singer_sdk.metrics | METRIC: {"type":"timer","metric":"http_request_duration",'
        '"value":0.1,"tags":{"stream":"invoices","http_status_code":429,"status":"failed"}}',
        "2026-01-01 | ERROR | tap-stripe.invoices | Backing off 1.00 seconds after 1 tries for URL /v1/events, "
        "failing with status 429: Too Many Requests",
        '2026-01-01 | INFO | singer_sdk.metrics | METRIC: {"type":"timer","metric":"http_request_duration",'
        '"value":0.1,"tags":{"stream":"invoices","http_status_code":200,"status":"succeeded"}}',
        "2026-01-01 | WARNING | tap-salesforce | Stream Account: retry 1 in 0.50 s after RetriableAPIError: "
        "Stream Account: HTTP 503 SERVER_UNAVAILABLE",
        '2026-01-01 | INFO | singer_sdk.metrics | METRIC: {"type":"timer","metric":"http_request_duration",'
        '"value":0.1,"tags":{"stream":"Account","http_status_code":503,"status":"failed"}}',
        "2026-01-01 | WARNING | tap-netsuite | stream customer: retrying after 0.20 s (attempt 2): "
        "ConnectionError: Connection reset by peer",
        '2026-01-01 | INFO | singer_sdk.metrics | METRIC: {"type":"counter","metric":"record_count","value":7,'
        '"tags":{"stream":"invoices"}}',
        '2026-01-01 | INFO | singer_sdk.metrics | METRIC: {"type":"counter","metric":"record_count","value":3,'
        '"tags":{"stream":"invoices"}}',
    ]))
    metrics = parse_tap_log(log)
    assert metrics.retries == 3
    assert dict(metrics.api_errors) == {"429": 1, "503": 1, "connection": 1}
    assert metrics.requests == 3
    assert dict(metrics.records) == {"invoices": 10}


def _age_source(url: str, source: str, hours: float) -> None:
    """Make the source's last sync have ended `hours` ago."""
    with psycopg.connect(url) as conn:
        conn.execute("update concord_meta.runs set started_at = now() - make_interval(hours => %s) "
                     "- (ended_at - started_at), ended_at = now() - make_interval(hours => %s) where source = %s",
                     (hours, hours, source))


def test_status_exit_codes_follow_the_freshness_sla(built_warehouse: BuiltWarehouse, copy_url: str) -> None:
    fresh = concord(built_warehouse, copy_url, "status")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "0 breached, 0 warn" in fresh.stdout
    assert re.search(r"FRESH +stripe\.invoices: last synced", fresh.stdout)
    assert sync_run_id(copy_url) in fresh.stdout

    _age_source(copy_url, "netsuite", 3)  # past warn_after (2 h), within error_after (6 h): warns, exit 0
    warned = concord(built_warehouse, copy_url, "status")
    assert warned.returncode == 0, warned.stdout
    assert re.search(r"WARN +netsuite\.transaction: last synced 3\.0 h ago", warned.stdout)

    _age_source(copy_url, "stripe", 7)  # past error_after: breached, exit 1
    breached = concord(built_warehouse, copy_url, "status")
    assert breached.returncode == 1, breached.stdout
    assert re.search(r"BREACHED +stripe\.invoices: last synced 7\.0 h ago \(error after 6\.0 h\)", breached.stdout)
    assert "SLA BREACHED: stripe." in breached.stdout and "netsuite." not in breached.stdout.split("SLA BREACHED")[1]


@pytest.fixture(scope="module")
def checked_copy(built_warehouse: BuiltWarehouse) -> Iterator[str]:
    """A copy where the GX checks ran (planted inconsistencies become exceptions), a writeback run logged its
    attempts (the writeback engine's contract tables, filled as it would), and the ops marts were rebuilt."""
    url = built_warehouse.copy()
    try:
        built_warehouse.concord("check", "--run-id", "ops_test_check", "--suite", "raw_salesforce", url=url)
        with psycopg.connect(url) as conn:
            ids = [r[0] for r in conn.execute(
                'select "Id" from raw_salesforce."Account" where not "IsDeleted" order by "Id" limit 3').fetchall()]
            for n, (key, outcome, status) in enumerate(
                    zip(ids, ("succeeded", "rejected", "dead_lettered"), (200, 503, 503), strict=True)):
                conn.execute(
                    "insert into concord_meta.writeback_log (run_id, destination, target, key, content_hash, outcome, "
                    "attempt, retriable, http_status, error) values ('ops_test_check', 'salesforce', "
                    "'salesforce.accounts', %s, 'h', %s, %s, %s, %s, %s)",
                    (key, outcome, n + 1, outcome != "succeeded", status,
                     None if outcome == "succeeded" else "HTTP 503 SERVER_UNAVAILABLE"))
        built_warehouse.concord("transform", "build", "--select", "path:models/marts/ops", "--run-id",
                                "ops_test_check", url=url)
        yield url
    finally:
        built_warehouse.drop(url)


def test_trace_shows_a_planted_duplicate_end_to_end(built_warehouse: BuiltWarehouse, checked_copy: str) -> None:
    from concord.transform.score_sources import load_truth

    truth = load_truth(built_warehouse.sandbox_dir / "sandbox.db")
    planted = next(t for t in truth.records if t["class"] == "duplicate_crm_account")
    account_id = sorted(planted["keys"]["salesforce"]["Account"])[-1]
    run_id = sync_run_id(checked_copy)

    proc = concord(built_warehouse, checked_copy, "trace", "salesforce", account_id)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "raw_salesforce.Account: current version" in out and f"by run {run_id}" in out
    assert "sync:salesforce succeeded" in out
    assert re.search(rf"core\.accounts \(matched on salesforce_account_id\): canonical_account_id=\w+, "
                     rf"salesforce_account_id={account_id}", out)
    assert re.search(r"duplicate_crm_account \[\w+\] OPEN; steward \w+; blocks writebacks; .*\(run ops_test_check\)",
                     out)
    assert re.search(r"check raw_salesforce\.\w+ on raw_salesforce\.\"?Account\"? in run ops_test_check: failure "
                     r"\([1-9][\d,]* of [\d,]+ rows failing, policy block\)", out)

    with psycopg.connect(checked_copy) as conn:
        logged = conn.execute("select key, outcome from concord_meta.writeback_log").fetchall()
    key, outcome = logged[1]
    wb = concord(built_warehouse, checked_copy, "trace", "salesforce", key)
    assert f"salesforce.accounts {key} → {outcome} (attempt 2 HTTP 503): HTTP 503 SERVER_UNAVAILABLE" in wb.stdout

    missing = concord(built_warehouse, checked_copy, "trace", "stripe", "in_does_not_exist")
    assert missing.returncode == 1 and "not in the warehouse" in missing.stderr


def test_report_renders_its_charts_in_headless_chromium(built_warehouse: BuiltWarehouse, checked_copy: str,
                                                         tmp_path: Path) -> None:
    proc = concord(built_warehouse, checked_copy, "report", "--out", str(tmp_path / "report"))
    assert proc.returncode == 0, proc.stderr
    index = Path(proc.stdout.strip())
    assert index == (tmp_path / "report" / "index.html").resolve() and index.is_file()
    html = index.read_text()
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")

    expression = ("Array.from(document.querySelectorAll('figure.chart')).map(f => [f.dataset.chart, "
                  "f.querySelectorAll('svg rect.bar').length, f.querySelector('svg').getBoundingClientRect().height])")
    page = render(index.as_uri(), tmp_path / "report.png", expression)
    assert page.errors == []
    charts = {name: (bars, height) for name, bars, height in page.value}
    assert set(charts) >= {"sync-latency", "exception-aging", "invoice-posting", "payment-timeliness",
                           "writeback-outcomes", "api-health"}
    for name in ("sync-latency", "exception-aging", "invoice-posting", "payment-timeliness", "writeback-outcomes"):
        bars, height = charts[name]
        assert bars > 0 and height > 100, (name, bars, height)
    png = (tmp_path / "report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000

    # The error capture is live: the same renderer reports a page that logs an error.
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><title>x</title><script>console.error('boom')</script>")
    assert render(bad.as_uri(), tmp_path / "bad.png", "1").errors == ["console: boom"]


def test_ops_marts_measure_the_synced_run(built_warehouse: BuiltWarehouse, checked_copy: str) -> None:
    run_id = sync_run_id(checked_copy)
    with psycopg.connect(checked_copy) as conn:
        latency = conn.execute("select source, count(*), sum(records), min(p50_latency_seconds) "
                               "from ops.ops_sync_latency where run_id = %s group by 1", (run_id,)).fetchall()
        aging = conn.execute("select class, age_bucket, open_exceptions from ops.ops_exception_aging").fetchall()
        open_count = conn.execute("select count(*) from concord_meta.exceptions where resolved_at is null"
                                  ).fetchone()[0]
        posting = conn.execute("select sum(invoices_finalized), sum(invoices_posted) from ops.ops_invoice_posting"
                               ).fetchone()
        core = conn.execute("select count(*), count(*) filter (where is_posted_to_erp) from core.invoices "
                            "where invoice_status in ('open', 'paid', 'uncollectible') and not is_deleted").fetchone()
        writebacks = conn.execute("select destination, attempts, succeeded, rejected, dead_lettered "
                                  "from ops.ops_writeback_outcomes").fetchall()
        dup = dict(conn.execute("select system, duplicate_records from ops.ops_duplicate_rate").fetchall())
        findings = conn.execute("select count(*) from intermediate.int_identity_findings "
                                "where finding_class = 'duplicate_crm_account'").fetchone()[0]
    assert {s for s, *_ in latency} == set(SOURCES)
    assert all(n > 0 and records > 0 and p50 >= 0 for _, n, records, p50 in latency)
    assert sum(n for *_, n in aging) == open_count > 0 and {b for _, b, _ in aging} <= {"0-1 d"}
    assert tuple(int(v) for v in posting) == tuple(core) and core[0] > core[1]
    assert writebacks == [("salesforce", 3, 1, 1, 1)]
    assert dup["salesforce"] >= findings > 0


def test_api_errors_of_the_sync_reach_the_ops_mart(checked_copy: str) -> None:
    with psycopg.connect(checked_copy) as conn:
        ledger = dict(conn.execute(
            "select source, (select coalesce(sum(v::bigint), 0) from jsonb_each_text(api_errors) e(k, v)) "
            "from concord_meta.runs where stage like 'sync:%'").fetchall())
        mart = dict(conn.execute("select system, api_errors_total from ops.ops_api_health").fetchall())
        requests = dict(conn.execute("select system, requests from ops.ops_api_health").fetchall())
    assert {k: int(v) for k, v in mart.items()} == {k: int(v) for k, v in ledger.items()}
    assert sorted(mart) == sorted(SOURCES)
    assert all(n > 0 for n in requests.values())


def test_sync_latency_measures_each_new_run_once_and_keeps_earlier_runs(built_warehouse: BuiltWarehouse,
                                                                        copy_url: str) -> None:
    query = ("select run_id, source, stream, records, p50_latency_seconds, max_latency_seconds "
             "from ops.ops_sync_latency order by 1, 2, 3")
    with psycopg.connect(copy_url) as conn:
        before = conn.execute(query).fetchall()
        # A later sync lands 7 changed invoices in one batch: its rows, its ledger row, its load_batches row.
        conn.execute(
            "insert into concord_meta.runs (run_id, stage, source, status, started_at, ended_at) "
            "values ('later-sync', 'sync:stripe', 'stripe', 'succeeded', now(), now())")
        conn.execute(
            "update raw_stripe.invoices set _concord_run_id = 'later-sync', _concord_loaded_at = now(), "
            # modified after the first sync (on the source's clock): new to this sync, so measured
            "_concord_updated = (select max(_concord_updated) + 60 from raw_stripe.invoices) "
            "where id in (select id from raw_stripe.invoices order by id limit 7)")
        conn.execute(
            "insert into concord_meta.load_batches (run_id, schema_name, table_name, rows, started_at, committed_at)"
            " values ('later-sync', 'raw_stripe', 'invoices', 7, now(), now())")
    assert before and all(records > 0 for _, _, _, records, _, _ in before)

    built_warehouse.concord("transform", "build", "--select", "ops_sync_latency", url=copy_url)
    with psycopg.connect(copy_url) as conn:
        after = conn.execute(query).fetchall()
    new = [row for row in after if row[0] == "later-sync"]
    assert [(run, source, stream, records) for run, source, stream, records, _, _ in new] == [
        ("later-sync", "stripe", "invoices", 7)]
    # the first sync's rows stay as that sync measured them, though 7 of its invoices were landed again since
    assert [row for row in after if row[0] != "later-sync"] == before

    built_warehouse.concord("transform", "build", "--select", "ops_sync_latency", "--full-refresh", url=copy_url)
    with psycopg.connect(copy_url) as conn:
        rebuilt = conn.execute(query).fetchall()
    assert [row for row in rebuilt if row[0] == "later-sync"] == new
