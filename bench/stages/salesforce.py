"""Salesforce stages: the emulator's page latency, the tap's extraction rate, and the tap's per-record
overhead against a plain JSON writer of the same records (a same-run ratio).

The bench run's shared seeded sandbox (bench.pipeline.seeded) is read by an in-process emulator.
Goals: a 2,000-record page < 50 ms (Salesforce issue, item 6); extraction ≥ 20,000 records/s (2,000-record
pages at the 50 ms page goal allow 40,000/s; half of that); tap overhead ≤ 2x the plain JSON writer (the
reference).
The overhead pair replays the same recorded API pages (no network, no emulator) through the tap and through a
plain writer (`orjson.loads` of the page, `json.dumps` of each RECORD line) into /dev/null.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import requests
from concord_sandbox.apis.salesforce.live import LiveEmulator, start_emulator
from requests.adapters import BaseAdapter

from bench.harness import Context, Sample, ratio, stage
from bench.pipeline import pipeline_extraction, seeded

STREAMS = ("User", "Account", "Contact", "Opportunity", "OpportunityLineItem", "Product2")
PAGES_PER_SAMPLE = 10
_EMULATORS: dict[str, LiveEmulator] = {}
_RECORDINGS: dict[str, dict[str, list[bytes]]] = {}


def _sandbox(ctx: Context) -> Path:
    return seeded(ctx) / "sandbox.db"


def _emulator(ctx: Context) -> LiveEmulator:
    """One emulator per scale for the whole bench run (read-only use)."""
    if ctx.scale not in _EMULATORS:
        _EMULATORS[ctx.scale] = start_emulator(_sandbox(ctx))
    return _EMULATORS[ctx.scale]


def _session(emulator: LiveEmulator) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {emulator.access_token()}"
    return http


@stage("salesforce.page_latency", group="salesforce", unit="pages", repeats=3, goal="<= 0.050",
       scales=("medium", "large"))
def page_latency(ctx: Context) -> Sample:
    """Median wall time of a 2,000-record page (all Contact fields, queryAll, replication order) over HTTP."""
    emulator = _emulator(ctx)
    http = _session(emulator)
    fields = ", ".join(f.name for f in emulator.api.sobjects["Contact"].fields)
    soql = f"SELECT {fields} FROM Contact ORDER BY SystemModstamp ASC, Id ASC"
    url = f"{emulator.base_url}/services/data/v62.0/queryAll?q={urllib.parse.quote(soql)}"
    times: list[float] = []
    for _ in range(PAGES_PER_SAMPLE):
        t0 = time.perf_counter()
        page = http.get(url, timeout=60)
        times.append(time.perf_counter() - t0)
        records = len(page.json()["records"])
        while not page.json()["done"] and len(times) < PAGES_PER_SAMPLE:
            t0 = time.perf_counter()
            page = http.get(emulator.base_url + page.json()["nextRecordsUrl"], timeout=60)
            times.append(time.perf_counter() - t0)
        if len(times) >= PAGES_PER_SAMPLE:
            break
    assert records == 2000, f"expected full pages of 2,000 records at {ctx.scale}, got {records}"
    return Sample(statistics.median(times), items=2000, extra={"page_ms_all": [round(t * 1000, 1) for t in times]})


@contextlib.contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    with open("/dev/null", "wb") as sink, contextlib.redirect_stdout(io.TextIOWrapper(sink, write_through=True)):
        yield


@stage("salesforce.extraction", group="salesforce", unit="records", repeats=1, warmup=0, goal=">= 20000/s",
       goal_scales=("medium", "large"))
def extraction(ctx: Context) -> Sample:
    """tap-salesforce | target-concord, all six streams, in the first hourly run of the bench's pipeline (the
    whole company into an empty warehouse; the sync runner's seconds from the run ledger)."""
    return pipeline_extraction(ctx, "salesforce")


def _recording(ctx: Context) -> dict[str, list[bytes]]:
    """The API pages of a full sync, per stream, as the emulator sent them (recorded once per run)."""
    if ctx.scale in _RECORDINGS:
        return _RECORDINGS[ctx.scale]
    emulator = _emulator(ctx)
    http = _session(emulator)
    pages: dict[str, list[bytes]] = {}
    for name in STREAMS:
        fields = ", ".join(f.name for f in emulator.api.sobjects[name].fields)
        soql = f"SELECT {fields} FROM {name} ORDER BY SystemModstamp ASC, Id ASC"
        page = http.get(f"{emulator.base_url}/services/data/v62.0/queryAll?q={urllib.parse.quote(soql)}", timeout=60)
        pages[name] = [page.content]
        while not page.json()["done"]:
            page = http.get(emulator.base_url + page.json()["nextRecordsUrl"], timeout=60)
            pages[name].append(page.content)
    _RECORDINGS[ctx.scale] = pages
    return pages


class _ReplayAdapter(BaseAdapter):
    """Answers a stream's query requests with its recorded pages, in order."""

    def __init__(self, pages: list[bytes]) -> None:
        super().__init__()
        self.pages = iter(pages)

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = next(self.pages)
        response.headers["Content-Type"] = "application/json"
        response.url = request.url or ""
        response.request = request
        response.elapsed = __import__("datetime").timedelta(0)
        return response

    def close(self) -> None:
        return None


def _replaying_tap(pages: dict[str, list[bytes]]) -> Any:
    from tap_salesforce.tap import TapSalesforce

    class ReplayingTap(TapSalesforce):
        def discover_streams(self):  # type: ignore[no-untyped-def]
            streams = super().discover_streams()
            for stream in streams:
                stream.requests_session.mount("http://", _ReplayAdapter(pages[stream.name]))
            return streams

    return ReplayingTap


def _record_count(pages: dict[str, list[bytes]]) -> int:
    return sum(len(orjson.loads(p)["records"]) for ps in pages.values() for p in ps)


@stage("salesforce.tap_replay", group="salesforce", unit="records", repeats=3, scales=("small", "medium"))
def tap_replay(ctx: Context) -> Sample:
    """tap-salesforce over recorded pages (no network): the SDK's per-record path, to /dev/null."""
    pages = _recording(ctx)
    tap_class = _replaying_tap(pages)
    config = _emulator(ctx).tap_config()
    tap = tap_class(config=config)  # discovery (describe calls) stays outside the timing
    streams = list(tap.streams.values())
    t0 = time.perf_counter()
    with _stdout_to_devnull():
        for stream in streams:
            stream.sync()
    return Sample(time.perf_counter() - t0, items=_record_count(pages))


@stage("salesforce.plain_writer", group="salesforce", unit="records", repeats=3, scales=("small", "medium"),
       goal="reference")
def plain_writer(ctx: Context) -> Sample:
    """The floor: parse the same recorded pages with orjson and write each record as a RECORD line with json."""
    pages = _recording(ctx)
    t0 = time.perf_counter()
    n = 0
    with open("/dev/null", "w") as out:
        for name, stream_pages in pages.items():
            for page in stream_pages:
                for record in orjson.loads(page)["records"]:
                    record.pop("attributes", None)
                    out.write(json.dumps({"type": "RECORD", "stream": name, "record": record}) + "\n")
                    n += 1
    return Sample(time.perf_counter() - t0, items=n)


ratio("tap-salesforce vs a plain JSON writer (same records)", "salesforce.tap_replay", "salesforce.plain_writer",
      kind="time", goal="<= 2.0")
