"""`concord report`: a static, self-contained HTML integration-health report from the `ops` marts.

Charts are inline SVG (svg_charts.py) and the page has no script and no external asset, so it opens offline
from the file system. `build_report()` writes `<out>/index.html` (default `.concord/report/`) and returns it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import psycopg

from concord.errors import ConcordError
from concord.observability.svg_charts import bar_chart
from concord.paths import state_dir

OPS_MARTS = ("ops_run_stages", "ops_sync_latency", "ops_api_health", "ops_exception_aging", "ops_invoice_posting",
             "ops_payment_timeliness", "ops_writeback_outcomes", "ops_duplicate_rate", "ops_replay_volume")
AGE_BUCKETS = ("0-1 d", "1-3 d", "3-7 d", "> 7 d")
TIMELINESS = ("< 1 h", "1-24 h", "> 24 h", "not in ERP")
OUTCOMES = ("succeeded", "invalid", "rejected", "dead_lettered")
LATENCY_TICKS = [(1, "1 s"), (10, "10 s"), (60, "1 min"), (600, "10 min"), (3600, "1 h"), (21600, "6 h"),
                 (86400, "1 d"), (604800, "7 d"), (2592000, "30 d"), (31536000, "365 d")]


class ReportError(ConcordError):
    """The report cannot be built (the ops marts are missing)."""


def _rows(conn: psycopg.Connection, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The query's rows, numerics (sums are Decimal) as float."""
    from decimal import Decimal

    return [tuple(float(v) if isinstance(v, Decimal) else v for v in row)
            for row in conn.execute(query, params or None).fetchall()]


def _time_unit(seconds: float) -> tuple[float, str]:
    if seconds >= 2 * 86400:
        return 86400.0, " d"
    if seconds >= 2 * 3600:
        return 3600.0, " h"
    if seconds >= 120:
        return 60.0, " min"
    return 1.0, " s"


def _short_run(run_id: str) -> str:
    return run_id if len(run_id) <= 26 else run_id[:25] + "…"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headers)}" class="empty">no data yet</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value)


def _pct(numerator: float, denominator: float) -> str:
    return f"{100.0 * numerator / denominator:.1f} %" if denominator else "–"


def _section(title: str, chart_id: str, svg: str, note: str, extra: str = "") -> str:
    return (f'<section><h2>{escape(title)}</h2><figure class="chart" data-chart="{chart_id}">{svg}'
            f"<figcaption>{escape(note)}</figcaption></figure>{extra}</section>")


def _sync_latency(conn: psycopg.Connection) -> str:
    rows = _rows(conn, "select run_id, source, min(run_started_at), "
                 "sum(p50_latency_seconds * records) / nullif(sum(records), 0), max(p95_latency_seconds) "
                 "from ops.ops_sync_latency group by 1, 2 order by 3, 2")
    started: dict[str, Any] = {}
    for r in rows:
        started[r[0]] = min(started.get(r[0], r[2]), r[2])
    run_ids = sorted(started, key=lambda run_id: started[run_id])
    sources = sorted({r[1] for r in rows})
    series: dict[str, list[float]] = {}
    for source in sources:
        for label, col in (("p50", 3), ("p95", 4)):
            values = {r[0]: float(r[col] or 0) for r in rows if r[1] == source}
            series[f"{source} {label}"] = [values.get(run_id, 0.0) for run_id in run_ids]
    svg = bar_chart("sync-latency", [_short_run(r) for r in run_ids], series, log_ticks=LATENCY_TICKS)
    latest = run_ids[-1] if run_ids else None
    detail = _rows(conn, "select source, stream, records, p50_latency_seconds, p95_latency_seconds "
                   "from ops.ops_sync_latency where run_id = %s order by 1, 2", (latest,)) if latest else []
    scale, unit = _time_unit(max((float(r[4] or 0) for r in detail), default=0))
    table = _table(["source", "stream", "records changed", f"p50 ({unit.strip()})", f"p95 ({unit.strip()})"],
                   [[s, t, n, float(p50) / scale, float(p95) / scale] for s, t, n, p50, p95 in detail])
    return _section("Sync latency over runs", "sync-latency", svg,
                    "Load time minus the source's modification time (source clock), per run and source: "
                    "records-weighted p50 and worst stream p95 (log scale). Records re-read unchanged at a bookmark "
                    "boundary are left out; a first, full sync measures the history's age.",
                    f"<h3>Latest run {escape(latest or '')} per stream</h3>{table}")


def _api_health(conn: psycopg.Connection) -> str:
    rows = _rows(conn, "select run_id, system, requests, api_errors_total, retries, api_errors::text, started_at "
                 "from ops.ops_api_health order by started_at")
    runs = list(dict.fromkeys(r[0] for r in rows))
    systems = sorted({r[1] for r in rows})
    series: dict[str, list[float]] = {}
    for system in systems:
        by_run = {r[0]: r for r in rows if r[1] == system}
        series[f"{system} failures"] = [100.0 * by_run[r][3] / by_run[r][2] if r in by_run and by_run[r][2] else 0.0
                                        for r in runs]
        series[f"{system} retries"] = [100.0 * by_run[r][4] / by_run[r][2] if r in by_run and by_run[r][2] else 0.0
                                       for r in runs]
    svg = bar_chart("api-health", [_short_run(r) for r in runs], series, unit=" %")
    table = _table(["run", "system", "requests", "API errors", "retries", "errors by HTTP status"],
                   [[r[0], r[1], r[2], r[3], r[4], r[5]] for r in rows[-12:]])
    return _section("API failure and retry rates", "api-health", svg,
                    "Error responses and retries per request, per run and system (taps' syncs and writebacks).",
                    table)


def _exception_aging(conn: psycopg.Connection) -> str:
    rows = _rows(conn, "select class, age_bucket, sum(open_exceptions) from ops.ops_exception_aging group by 1, 2")
    by_steward = _rows(conn, "select class, steward_team, age_bucket, open_exceptions, oldest_age_days "
                       "from ops.ops_exception_aging order by 1, 2, age_bucket_order")
    classes = sorted({r[0] for r in rows})
    counts = {(r[0], r[1]): float(r[2]) for r in rows}
    series = {b: [counts.get((c, b), 0.0) for c in classes] for b in AGE_BUCKETS}
    svg = bar_chart("exception-aging", classes, series, stacked=True)
    table = _table(["class", "steward team", "age", "open", "oldest (days)"], [list(r) for r in by_steward])
    return _section("Exception aging", "exception-aging", svg,
                    "Open exceptions by class, stacked by days since first seen.", table)


def _invoice_posting(conn: psycopg.Connection) -> tuple[str, tuple[int, int]]:
    rows = _rows(conn, "select legal_entity_code, sum(invoices_finalized), sum(invoices_posted) "
                 "from ops.ops_invoice_posting group by 1 order by 1")
    total = sum(int(r[1]) for r in rows), sum(int(r[2]) for r in rows)
    svg = bar_chart("invoice-posting", [r[0] for r in rows],
                    {"posted to ERP (%)": [100.0 * float(r[2]) / float(r[1]) if r[1] else 0.0 for r in rows]},
                    unit=" %", max_value=100.0)
    table = _table(["legal entity", "finalized", "posted", "success rate"],
                   [[r[0], int(r[1]), int(r[2]), _pct(float(r[2]), float(r[1]))] for r in rows])
    return _section("Invoice posting success", "invoice-posting", svg,
                    f"Finalized billing invoices present in the ERP, per legal entity; overall "
                    f"{_pct(total[1], total[0])} of {total[0]:,}.", table), total


def _payment_timeliness(conn: psycopg.Connection) -> tuple[str, dict[str, int]]:
    rows = dict(_rows(conn, "select timeliness_bucket, count(*) from ops.ops_payment_timeliness group by 1"))
    counts = {b: int(rows.get(b, 0)) for b in TIMELINESS}
    svg = bar_chart("payment-timeliness", list(TIMELINESS), {"payments": [float(counts[b]) for b in TIMELINESS]})
    return _section("Payment update timeliness", "payment-timeliness", svg,
                    "Succeeded billing payments by how long the ERP took to record the customer payment.",
                    ), counts


def _writeback_outcomes(conn: psycopg.Connection) -> tuple[str, tuple[int, int]]:
    rows = _rows(conn, "select destination || ' · ' || target, sum(succeeded), sum(invalid), sum(rejected), "
                 "sum(dead_lettered), sum(attempts) from ops.ops_writeback_outcomes group by 1 order by 1")
    categories = [r[0] for r in rows]
    series = {o: [float(r[i + 1]) for r in rows] for i, o in enumerate(OUTCOMES)}
    svg = bar_chart("writeback-outcomes", categories, series, stacked=True)
    per_run = _rows(conn, "select run_id, destination, target, attempts, succeeded, invalid, rejected, dead_lettered "
                    "from ops.ops_writeback_outcomes order by first_logged_at desc limit 20")
    table = _table(["run", "destination", "target", "attempts", *OUTCOMES], [list(r) for r in per_run])
    total = sum(int(r[1]) for r in rows), sum(int(r[5]) for r in rows)
    return _section("Writeback outcomes", "writeback-outcomes", svg,
                    "Attempts per destination and target by outcome, all runs.", table), total


def _ledger(conn: psycopg.Connection) -> tuple[str, str | None]:
    latest = conn.execute("select run_id from ops.ops_run_stages order by run_started_at desc limit 1").fetchone()
    run_id = latest[0] if latest else None
    rows = _rows(conn, "select stage, status, records_in, records_out, quarantined, retries, api_errors_total, bytes, "
                 "duration_seconds from ops.ops_run_stages where run_id = %s order by started_at", (run_id,)) if run_id \
        else []
    table = _table(["stage", "status", "records in", "records out", "quarantined", "retries", "API errors", "bytes",
                    "seconds"], [list(r) for r in rows])
    return f"<section><h2>Run ledger: {escape(run_id or 'no runs')}</h2>{table}</section>", run_id


def _other_tables(conn: psycopg.Connection) -> str:
    dup = _rows(conn, "select system, records, duplicate_groups, duplicate_records, duplicate_rate * 100 "
                "from ops.ops_duplicate_rate order by 1")
    replay = _rows(conn, "select kind, system, object, sum(records_quarantined), sum(records_replayed), "
                   "sum(records_waiting), sum(writes_resent) from ops.ops_replay_volume group by 1, 2, 3 order by 1, 2, 3")
    return ("<section><h2>Duplicate-record rate</h2>"
            + _table(["system", "records", "duplicate groups", "duplicate records", "rate (%)"], [list(r) for r in dup])
            + "</section><section><h2>Replay volume</h2>"
            + _table(["kind", "system", "object", "quarantined", "replayed", "waiting", "writes re-sent"],
                     [list(r) for r in replay]) + "</section>")


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:980px;color:#222}
h1{margin-bottom:4px}.sub{color:#666;margin-top:0}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.kpi{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
.kpi b{display:block;font-size:22px}.kpi span{color:#666;font-size:12px}
section{margin:28px 0}figure{margin:0}figcaption{color:#666;font-size:12px;margin-top:4px}
table{border-collapse:collapse;font-size:12px;margin-top:8px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
td.empty{color:#888;font-style:italic}
"""


def render_report(url: str | None = None) -> str:
    """The report's HTML, from the ops marts of the warehouse at `url`."""
    from concord.warehouse.connection import connect, ready_url, redact

    url = ready_url(url)
    with connect(url) as conn:
        present = {r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'ops'").fetchall()}
        missing = [m for m in OPS_MARTS if m not in present]
        if missing:
            raise ReportError(f"The ops marts are not built ({', '.join(missing)} missing in schema ops): run "
                              "`concord transform build` (or `--select path:models/marts/ops`) first.")
        ledger, run_id = _ledger(conn)
        posting, (finalized, posted) = _invoice_posting(conn)
        timeliness, counts = _payment_timeliness(conn)
        writebacks, (wb_ok, wb_all) = _writeback_outcomes(conn)
        open_exceptions = conn.execute("select coalesce(sum(open_exceptions), 0) from ops.ops_exception_aging"
                                       ).fetchone()[0]
        quarantined = conn.execute("select count(*) from concord_meta.quarantine where resolved_at is null"
                                   ).fetchone()[0]
        runs = conn.execute("select count(distinct run_id) from ops.ops_run_stages").fetchone()[0]
        sections = [_sync_latency(conn), _api_health(conn), _exception_aging(conn), posting, timeliness, writebacks,
                    ledger, _other_tables(conn)]
    paid = sum(counts.values())
    kpis = [
        ("runs in the ledger", f"{runs:,}"),
        ("invoice posting success", _pct(posted, finalized)),
        ("payments in ERP within 1 h", _pct(counts["< 1 h"], paid)),
        ("open exceptions", f"{int(open_exceptions):,}"),
        ("writeback success", _pct(wb_ok, wb_all)),
        ("quarantined, unresolved", f"{quarantined:,}"),
    ]
    kpi_html = "".join(f'<div class="kpi"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in kpis)
    generated = datetime.now(UTC)
    charts = sum(section.count('class="chart"') for section in sections)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Concord integration health</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>"
        "<h1>Concord integration health</h1>"
        f'<p class="sub">Generated {generated:%Y-%m-%d %H:%M:%S} UTC from the ops marts of {escape(redact(url))}; '
        f"latest run {escape(run_id or '–')}; {charts} charts.</p>"
        f'<div class="kpis">{kpi_html}</div>'
        + "".join(sections)
        + "</body></html>"
    )


def build_report(url: str | None = None, out_dir: Path | None = None) -> Path:
    """Write the report to `<out_dir>/index.html` (default `.concord/report/`); return that path."""
    out_dir = out_dir or state_dir() / "report"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render_report(url), encoding="utf-8")
    tmp.replace(path)
    return path.resolve()
