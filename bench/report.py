"""Writes a benchmark run as `bench/results.json` and the human table `BENCHMARKS.md`.

One table holds every stage with its goal beside it: a stage's own goal (seconds, throughput or peak memory),
or the goal of the same-run ratio it is compared by, or "reference" for the floors and ceilings others are
compared with. The growth table shows the same simulated hour at each scale (its columns persist across runs
of other scales), then a short analysis written from the numbers, and `bench/analysis.md` if present (a
hand-written note kept beside the generated text).
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import STAGES, stage_goals

GROWTH_SCALES = ("small", "medium", "large")
GROWTH_PARTS = ("extract_load", "dbt", "checks", "writebacks")

HEADER = """# Benchmarks

Written by `make bench` (`SCALE={scale}`); do not edit by hand (the analysis note is `bench/analysis.md`).
Machine: {machine}. Load average (1/5/15 min) at the end: {load}; the machine is shared, so absolute times move
with the load: the same-run ratios are the robust numbers. Run finished {when}; the whole bench took {wall}.

Commands (from a fresh clone; `make` sets up the venv and the peer target's venv on first use):

    make bench                 # SCALE=medium: every row, and the small and medium growth columns
    make bench SCALE=large     # the large growth column (and the large-only stages); run by hand, ~70 min
    make bench SCALE=small     # a quick end-to-end check of the harness
    .venv/bin/python -m bench --scale medium --only 'loader.*'   # a partial run keeps the other rows

Stripe runs at live mode's documented 100 requests/s in every bench stage (the sandbox emulator's
`CONCORD_SANDBOX_STRIPE_RATE=100`, and Concord's writeback pacing `CONCORD_WRITEBACK_STRIPE_RATE=100`); the
emulator's default is test mode's 25/s, which would make a medium full sync 4× slower for reasons outside
Concord. Medians of the runs shown; goals and where they come from are in each stage's docstring under
`bench/stages/`.
"""


def _fmt_seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: ""}[met]


def _goal_cell(name: str, r: dict[str, Any], ratios: list[dict[str, Any]]) -> tuple[str, bool | None]:
    """The goal column and whether it is met: the stage's own goal, else the ratio it is compared by."""
    goals = []
    if r.get("goal"):
        goals.append(r["goal"] if r["goal"] == "reference" else
                     f"{r['goal']} {r['unit']}" if r["goal"].endswith("/s") else f"{r['goal']} s")
    if r.get("peak_goal"):
        goals.append(f"peak {r['peak_goal']} MiB")
    met = r.get("met")
    for ratio in ratios:
        if ratio["a"] == name and ratio.get("goal"):
            what = "time" if ratio["kind"] == "time" else "speed"
            goals.append(f"{what} {ratio['goal']}× `{ratio['b']}` (now {ratio['value']:.2f}×)")
            met = ratio["met"] if met is None else (met and ratio["met"])
    if not goals:
        for ratio in ratios:
            if ratio["b"] == name and ratio.get("goal"):
                goals.append(f"base of `{ratio['a']}` {ratio['goal']}×")
    return "; ".join(goals), met


def _extra(extra: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sorted(extra.items()))


def stage_table(results: dict[str, Any]) -> list[str]:
    lines = ["## Every stage\n",
             "| group | stage | median | runs | throughput | peak memory | goal | |",
             "|---|---|---|---|---|---|---|---|"]
    ratios = results.get("ratios", [])
    for name, r in results["stages"].items():
        rate = f"{r['items_per_s']:,.0f} {r['unit']}/s" if r.get("items_per_s") and r["items"] != 1 else ""
        peak = f"{r['peak_mib']:.0f} MiB" if r.get("peak_mib") else ""
        goal, met = _goal_cell(name, r, ratios)
        lines.append(f"| {r['group']} | `{name}` | {_fmt_seconds(r['median_s'])} | {len(r['samples_s'])} | {rate} "
                     f"| {peak} | {goal} | {_mark(met)} |")
    for name in results.get("failed", {}):
        if name in STAGES and STAGES[name].group != "growth":
            meta = stage_meta(name, results["scale"])
            goal, _ = _goal_cell(name, {**meta, "met": None}, [])
            lines.append(f"| {meta['group']} | `{name}` | **failed** (see below) | | | | {goal} | |")
    missing = sorted(n for n, s in STAGES.items() if results["scale"] in s.scales and s.group != "growth"
                     and n not in results["stages"] and n not in results.get("failed", {}))
    for name in missing:
        lines.append(f"| {STAGES[name].group} | `{name}` | not run | | | | | |")
    return lines


def ratio_table(results: dict[str, Any]) -> list[str]:
    if not results.get("ratios"):
        return []
    lines = ["\n## Ratios (same run)\n", "| comparison | value | goal | |", "|---|---|---|---|"]
    for r in results["ratios"]:
        what = f"`{r['a']}` vs `{r['b']}` ({'time a/b' if r['kind'] == 'time' else 'speed of a relative to b'})"
        lines.append(f"| {r['name']}: {what} | {r['value']:.2f}× | {r['goal'] or ''} | {_mark(r['met'])} |")
    return lines


def growth_table(growth: dict[str, Any]) -> list[str]:
    lines = ["\n## Growth: the same simulated hour at each scale\n",
             "concord_hourly one simulated hour after a first run (`concord sandbox advance --hours 1`), seconds. "
             "The parts sum to the total; each part excludes dbt's start-up, which is in *fixed* with the "
             "interpreter and import start-up, Airflow's set-up, DAG parse and scheduling between tasks, and "
             "the cosmos watcher tasks (bench/pipeline.py).\n",
             "| scale | hour's rows extracted | extract-load s | dbt build s | checks s | writebacks s | fixed s "
             "| total s | first run s | measured |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for scale in GROWTH_SCALES:
        g = growth.get(scale)
        if not g:
            lines.append(f"| {scale} | not measured yet | | | | | | | | |")
            continue
        cells = " | ".join(f"{g.get(k, 0):.1f}" for k in (*GROWTH_PARTS, "fixed", "total"))
        lines.append(f"| {scale} | {g.get('rows_extracted', 0):,} | {cells} | {g.get('first_run_total', 0):.1f} "
                     f"| {g.get('measured_at', '')} ({g.get('bench_scale', '')} bench) |")
    fixed = {s: g.get("fixed_parts") for s, g in growth.items() if g.get("fixed_parts")}
    if fixed:
        lines.append("\nFixed cost parts: " + "; ".join(f"{s}: {_extra(p)}" for s, p in fixed.items()) + ".")
    return lines


def analysis(results: dict[str, Any]) -> list[str]:
    """A few sentences from the numbers: where the next hour and the first run spend their time."""
    stages = results["stages"]
    lines = ["\n## Analysis\n"]
    nxt = stages.get("airflow.hourly_next_hour", {}).get("extra")
    first = stages.get("airflow.hourly_first_run", {}).get("extra")
    if nxt and first:
        parts = {k: nxt.get(k, 0.0) for k in (*GROWTH_PARTS, "fixed")}
        top = max(parts, key=parts.get)
        lines.append(
            f"At {results['scale']} scale the next hour took {nxt['total']:.0f} s against {first['total']:.0f} s "
            f"for the first run ({nxt['total'] / first['total']:.0%}). Its biggest part is **{top}** "
            f"({parts[top]:.0f} s, {parts[top] / nxt['total']:.0%}); fixed cost {nxt['fixed']:.0f} s "
            f"({_extra(nxt.get('fixed_parts', {}))}), work that grows with data "
            f"{nxt['total'] - nxt['fixed']:.0f} s. The next hour's slowest tasks: {_extra(nxt.get('slowest_tasks', {}))}. "
            f"The first run's slowest tasks: {_extra(first.get('slowest_tasks', {}))}.")
    if results.get("failed"):
        lines.append(f"{len(results['failed'])} stages failed in this run; the first error: "
                     f"{next(iter(results['failed'].values()))[:300]}")
    missed = [n for n, r in stages.items() if _goal_cell(n, r, results.get("ratios", []))[1] is False]
    if missed:
        lines.append("\nGoals missed in this run: " + ", ".join(f"`{n}`" for n in missed) + ".")
    return lines


def write(results: dict[str, Any], root: Path) -> None:
    """Write results.json and BENCHMARKS.md under `root`."""
    (root / "bench" / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    wall = results.get("wall_s")
    lines = [HEADER.format(scale=results["scale"], machine=results["machine"], when=results["finished_at"],
                           load=results.get("load_average", "?"),
                           wall=f"{wall / 60:.1f} min" if wall else "?")]
    lines += stage_table(results)
    lines += ratio_table(results)
    lines += growth_table(results.get("growth", {}))
    lines += analysis(results)
    note = root / "bench" / "analysis.md"
    if note.is_file():
        lines.append("\n" + note.read_text().strip())
    notes = [(n, r["extra"]) for n, r in results["stages"].items() if r.get("extra")]
    if notes:
        lines.append("\n## Details\n")
        for name, extra in notes:
            lines.append(f"- `{name}`: {_extra(extra)}")
    if results.get("failed"):
        lines.append("\n## Stages that failed\n")
        for name, err in results["failed"].items():
            lines.append(f"- `{name}`: {err}")
    (root / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")


def merge_growth(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The growth columns of this run over those of earlier runs (a column this run did not measure is kept)."""
    merged = {k: v for k, v in previous.items() if k in GROWTH_SCALES}
    merged.update(current)
    return merged


def previous(root: Path) -> dict[str, Any]:
    """The last run's results.json, or an empty dict."""
    try:
        return json.loads((root / "bench" / "results.json").read_text())
    except (OSError, ValueError):
        return {}


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip() + ", "
                break
        mem = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                   if x.startswith("MemTotal"))
        memory = f", {mem / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = ""
    return (f"{cpu}{platform.machine()}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def stage_meta(name: str, scale: str) -> dict[str, Any]:
    s = STAGES[name]
    goal, peak_goal = stage_goals(s, scale)
    return {"group": s.group, "unit": s.unit, "goal": goal, "peak_goal": peak_goal, "description": s.description}
