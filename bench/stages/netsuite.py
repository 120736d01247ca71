"""NetSuite stages: SuiteQL page latency, tap extraction rate, and the tap's per-record overhead against a
plain JSON writer of the same records (same run, so the ratio is robust to a noisy machine).

The bench run's shared seeded sandbox (bench.pipeline.seeded); one emulator per benchmark process serves it
on a loopback port. Goals: a 1,000-row page < 50 ms (NetSuite issue, item 4); extraction ≥ 10,000 records/s
(1,000-row pages at the 50 ms goal allow 20,000/s; half of that); tap overhead ≤ 2x the plain JSON writer (the
reference).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import requests
from concord_sandbox.apis.netsuite import tap_config
from concord_sandbox.apis.netsuite.local import free_port
from concord_sandbox.store import Store
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1

from bench.harness import Context, Sample, ratio, stage
from bench.pipeline import pipeline_extraction, seeded

_SERVERS: dict[Path, tuple[str, Store]] = {}
_EXIT = contextlib.ExitStack()
atexit.register(_EXIT.close)
PAGE = 1000


def _sandbox(ctx: Context) -> Path:
    return seeded(ctx) / "sandbox.db"


def _emulator(ctx: Context) -> tuple[str, Store]:
    """The emulator in its own process (as `concord sandbox serve` runs it), so it does not share the GIL
    with the tap being measured."""
    db = _sandbox(ctx)
    if db not in _SERVERS:
        store = Store(db)
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "concord_sandbox.apis.netsuite.local", str(db), str(port)])
        _EXIT.callback(proc.wait, 30)
        _EXIT.callback(proc.terminate)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the NetSuite emulator process did not start") from None
                time.sleep(0.05)
        _SERVERS[db] = (url, store)
    return _SERVERS[db]


def _config(ctx: Context, **extra: Any) -> dict[str, Any]:
    url, store = _emulator(ctx)
    return {**tap_config(url, store.credentials("netsuite")), **extra}


def _transaction_query(config: dict[str, Any]) -> str:
    from tap_netsuite.tap import TapNetSuite

    tap = TapNetSuite(config={**config, "streams": ["transaction"]}, parse_env_config=False)
    return tap.streams["transaction"].build_query("2000-01-01 00:00:00", None)  # type: ignore[attr-defined]


@stage("netsuite.suiteql_page", group="netsuite", unit="rows", repeats=3, goal="<= 0.050")
def suiteql_page(ctx: Context) -> Sample:
    """Median signed 1,000-row SuiteQL page over HTTP while paging the tap's transaction query (20 pages from
    the start, as a client pages); extras: the first page (which counts totalResults) and a random offset."""
    config = _config(ctx)
    url, store = _emulator(ctx)
    creds = store.credentials("netsuite")
    auth = OAuth1(creds["consumer_key"], creds["consumer_secret"], creds["token_id"], creds["token_secret"],
                  signature_method=SIGNATURE_HMAC_SHA256, realm=creds["account_id"])
    query = _transaction_query(config)
    session = requests.Session()

    def fetch(offset: int) -> tuple[float, dict[str, Any]]:
        t0 = time.perf_counter()
        response = session.post(url + "/services/rest/query/v1/suiteql", params={"limit": PAGE, "offset": offset},
                                data=orjson.dumps({"q": query}), auth=auth,
                                headers={"Prefer": "transient", "Content-Type": "application/json"}, timeout=60)
        elapsed = time.perf_counter() - t0
        if response.status_code != 200:
            raise RuntimeError(f"SuiteQL page at offset {offset} failed: HTTP {response.status_code}")
        return elapsed, response.json()

    times: list[float] = []
    for k in range(20):  # full pages only (a small company has fewer than 20)
        elapsed, page = fetch(k * PAGE)
        if page["count"] != PAGE:
            break
        times.append(elapsed)
    extra: dict[str, Any] = {"first_page_s": times[0], "pages": len(times)}
    if page["totalResults"] > 78 * PAGE:
        extra["random_offset_77500_s"] = fetch(77 * PAGE + 500)[0]
    return Sample(statistics.median(times), items=PAGE, extra=extra)


@contextlib.contextmanager
def _stdout_to(path: Path) -> Iterator[None]:
    with path.open("wb") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", write_through=False)
        with contextlib.redirect_stdout(out):
            yield
        out.flush()


def _count_records(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.startswith(b'{"type":"RECORD"'))


@stage("netsuite.tap_extract", group="netsuite", unit="records", repeats=1, warmup=0, goal=">= 10000/s",
       goal_scales=("medium", "large"))
def tap_extract(ctx: Context) -> Sample:
    """tap-netsuite | target-concord, every stream, in the first hourly run of the bench's pipeline (the whole
    company into an empty warehouse; the sync runner's seconds from the run ledger)."""
    return pipeline_extraction(ctx, "netsuite")


def _raw_pages(ctx: Context) -> list[dict[str, Any]]:
    """The transaction stream's SuiteQL pages as the API returned them (cached as JSON under the workdir)."""
    path = ctx.cached(f"netsuite_transaction_pages_{ctx.scale}.json", lambda p: _capture_pages(ctx, p))
    return orjson.loads(path.read_bytes())  # type: ignore[no-any-return]


def _capture_pages(ctx: Context, path: Path) -> None:
    from tap_netsuite.client import NetSuiteStream
    from tap_netsuite.tap import TapNetSuite

    pages: list[dict[str, Any]] = []
    original = NetSuiteStream.fetch_page

    def recording(self: NetSuiteStream, query: str, offset: int) -> dict[str, Any]:
        payload = original(self, query, offset)
        pages.append(payload)
        return payload

    NetSuiteStream.fetch_page = recording  # type: ignore[method-assign]
    try:
        with _stdout_to(ctx.scratch("netsuite_capture") / "out.singer"):
            TapNetSuite(config=_config(ctx, streams=["transaction"]), parse_env_config=False).sync_all()
    finally:
        NetSuiteStream.fetch_page = original  # type: ignore[method-assign]
    path.write_bytes(orjson.dumps(pages))


@stage("netsuite.tap_records", group="netsuite", unit="records", repeats=3)
def tap_records(ctx: Context) -> Sample:
    """tap-netsuite's per-record work alone: the transaction stream from recorded API pages (no HTTP) to Singer
    RECORD lines in a file (conversion, SDK record messages, state, msgspec writer)."""
    from tap_netsuite.client import NetSuiteStream
    from tap_netsuite.tap import TapNetSuite

    pages = _raw_pages(ctx)
    feed = iter(pages)
    original = NetSuiteStream.fetch_page
    NetSuiteStream.fetch_page = lambda self, query, offset: next(feed)  # type: ignore[method-assign,assignment]
    out = ctx.scratch("netsuite_records") / "out.singer"
    try:
        tap = TapNetSuite(config=_config(ctx, streams=["transaction"]), parse_env_config=False)
        t0 = time.perf_counter()
        with _stdout_to(out):
            tap.sync_all()
        elapsed = time.perf_counter() - t0
    finally:
        NetSuiteStream.fetch_page = original  # type: ignore[method-assign]
    return Sample(elapsed, items=sum(len(p["items"]) for p in pages))


def _final_records(ctx: Context) -> list[dict[str, Any]]:
    path = ctx.workdir / "cache" / f"netsuite_transaction_records_{ctx.scale}.json"
    if not path.exists():
        tap_records(ctx)
        out = ctx.workdir / "scratch" / "netsuite_records" / "out.singer"
        with out.open("rb") as fh:
            records = [orjson.loads(line)["record"] for line in fh if line.startswith(b'{"type":"RECORD"')]
        path.write_bytes(orjson.dumps(records))
    return orjson.loads(path.read_bytes())  # type: ignore[no-any-return]


@stage("netsuite.plain_json_writer", group="netsuite", unit="records", repeats=3, goal="reference")
def plain_json_writer(ctx: Context) -> Sample:
    """The floor for the same records: a loop writing each as a Singer RECORD line with the stdlib json module."""
    records = _final_records(ctx)
    out = ctx.scratch("netsuite_plain") / "out.singer"
    t0 = time.perf_counter()
    with out.open("w", encoding="utf-8") as fh:
        write, dumps = fh.write, json.dumps
        for record in records:
            write(dumps({"type": "RECORD", "stream": "transaction", "record": record}) + "\n")
    elapsed = time.perf_counter() - t0
    print(f"bench:   plain writer wrote {len(records):,} records", file=sys.stderr)
    return Sample(elapsed, items=len(records))


ratio("netsuite tap overhead vs plain JSON writer", "netsuite.tap_records", "netsuite.plain_json_writer",
      kind="time", goal="<= 2.0")
