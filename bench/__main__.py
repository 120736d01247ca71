"""`python -m bench --scale medium [--only PATTERN] [--repeats N]`: run the registered stages, write the report."""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from bench import report
from bench.harness import SCALES, STAGES, Context, check_goal, compute_ratios, summarise

ROOT = Path(__file__).resolve().parents[1]


def discover() -> None:
    import bench.stages

    for mod in pkgutil.iter_modules(bench.stages.__path__):
        importlib.import_module(f"bench.stages.{mod.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--scale", choices=SCALES, default="medium")
    parser.add_argument("--only", default="*", help="glob over stage names, e.g. 'loader.*'")
    parser.add_argument("--repeats", type=int, default=None, help="override every stage's repeat count")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from concord.warehouse.connection import warehouse_url

    discover()
    workdir = ROOT / "bench" / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(scale=args.scale, workdir=workdir, server_url=warehouse_url())
    results: dict = {"scale": args.scale, "machine": report.machine(), "stages": {}, "failed": {}}
    previous = report.previous(ROOT)
    if args.only != "*" and previous.get("scale") == args.scale:
        # A partial run updates the stages it ran and keeps the others from the last run at this scale.
        results["stages"] = {n: r for n, r in previous.get("stages", {}).items() if not fnmatch.fnmatch(n, args.only)}
        results["failed"] = {n: e for n, e in previous.get("failed", {}).items() if not fnmatch.fnmatch(n, args.only)}
    selected = [s for s in STAGES.values() if fnmatch.fnmatch(s.name, args.only) and args.scale in s.scales]
    for st in selected:
        repeats = args.repeats or st.repeats
        print(f"bench: {st.name} (warm-up {st.warmup}, {repeats} runs)", flush=True)
        started = time.perf_counter()
        try:
            for _ in range(st.warmup):
                st.fn(ctx)
            samples = [st.fn(ctx) for _ in range(repeats)]
        except Exception as exc:  # a broken stage is reported, the others still run
            traceback.print_exc()
            results["failed"][st.name] = f"{type(exc).__name__}: {exc}"
            continue
        summary = {**report.stage_meta(st.name), **summarise(samples)}
        summary["met"] = check_goal(summary["median_s"], st.goal)
        results["stages"][st.name] = summary
        print(f"bench:   median {summary['median_s']:.4f} s (stage took {time.perf_counter() - started:.1f} s)", flush=True)
    results["ratios"] = compute_ratios(results["stages"])
    results["finished_at"] = report.now()
    report.write(results, ROOT)
    print(f"bench: wrote {ROOT / 'BENCHMARKS.md'} and bench/results.json")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
