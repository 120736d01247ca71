"""Writes a benchmark run as `bench/results.json` and the human table `BENCHMARKS.md`."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import STAGES

HEADER = """# Benchmarks

Written by `make bench` (`SCALE={scale}`); do not edit by hand. Medians of repeated runs on this machine
({machine}); ratios compare stages measured in the same run, so machine noise moves both sides together.
Run: {when}.
"""


def _fmt_seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: ""}[met]


def write(results: dict[str, Any], root: Path) -> None:
    """Write results.json and BENCHMARKS.md under `root`."""
    (root / "bench" / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    lines = [HEADER.format(scale=results["scale"], machine=results["machine"], when=results["finished_at"])]
    groups: dict[str, list[str]] = {}
    for name, r in results["stages"].items():
        groups.setdefault(r["group"], []).append(name)
    lines.append("## Stages\n")
    lines.append("| group | stage | median | runs | throughput | peak memory | goal | |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for group in sorted(groups):
        for name in groups[group]:
            r = results["stages"][name]
            rate = f"{r['items_per_s']:,.0f} {r['unit']}/s" if r.get("items_per_s") else ""
            peak = f"{r['peak_mib']:.0f} MiB" if r.get("peak_mib") else ""
            goal = r.get("goal") or ""
            lines.append(
                f"| {group} | `{name}` | {_fmt_seconds(r['median_s'])} | {len(r['samples_s'])} | {rate} | {peak} "
                f"| {goal} | {_mark(r.get('met'))} |"
            )
    if results["ratios"]:
        lines.append("\n## Ratios (same run)\n")
        lines.append("| comparison | value | goal | |")
        lines.append("|---|---|---|---|")
        for r in results["ratios"]:
            what = f"`{r['a']}` vs `{r['b']}` ({'time a/b' if r['kind'] == 'time' else 'speed of a relative to b'})"
            lines.append(f"| {r['name']}: {what} | {r['value']:.2f}× | {r['goal'] or ''} | {_mark(r['met'])} |")
    notes = [(n, r["extra"]) for n, r in results["stages"].items() if r.get("extra")]
    if notes:
        lines.append("\n## Details\n")
        for name, extra in notes:
            lines.append(f"- `{name}`: " + ", ".join(f"{k} = {v}" for k, v in sorted(extra.items())))
    if results.get("failed"):
        lines.append("\n## Stages that failed\n")
        for name, err in results["failed"].items():
            lines.append(f"- `{name}`: {err}")
    (root / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")


def previous(root: Path) -> dict[str, Any]:
    """The last run's results.json, or an empty dict."""
    try:
        return json.loads((root / "bench" / "results.json").read_text())
    except (OSError, ValueError):
        return {}


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def stage_meta(name: str) -> dict[str, Any]:
    s = STAGES[name]
    return {"group": s.group, "unit": s.unit, "goal": s.goal, "description": s.description}
