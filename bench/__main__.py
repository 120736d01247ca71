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
from bench.harness import SCALES, STAGES, Context, compute_ratios, stage_met, summarise

ROOT = Path(__file__).resolve().parents[1]
# Stage modules run in this order (cheap, independent stages first; the shared pipeline's readers last), then
# any other module under bench/stages/ in name order.
ORDER = ("sandbox", "warehouse", "loader", "salesforce", "stripe", "netsuite", "airflow", "dbt", "quality",
         "writeback", "growth")


def discover() -> None:
    import bench.stages

    names = [m.name for m in pkgutil.iter_modules(bench.stages.__path__)]
    for name in [*[n for n in ORDER if n in names], *sorted(n for n in names if n not in ORDER)]:
        importlib.import_module(f"bench.stages.{name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--scale", choices=SCALES, default="medium")
    parser.add_argument("--only", default="*", help="glob over stage names, e.g. 'loader.*'")
    parser.add_argument("--repeats", type=int, default=None, help="override every stage's repeat count")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite BENCHMARKS.md from bench/results.json (e.g. after editing bench/analysis.md)")
    args = parser.parse_args(argv)
    if args.report_only:
        discover()
        report.write(report.previous(ROOT), ROOT)
        return 0

    sys.path.insert(0, str(ROOT))
    from concord.warehouse.connection import warehouse_url

    discover()
    workdir = ROOT / "bench" / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(scale=args.scale, workdir=workdir, server_url=warehouse_url())
    results: dict = {"scale": args.scale, "machine": report.machine(), "stages": {}, "failed": {}, "growth": {}}
    previous = report.previous(ROOT)
    bench_started = time.perf_counter()
    if args.only != "*" and previous.get("scale") == args.scale:
        # A partial run updates the stages it ran and keeps the others from the last run at this scale.
        results["stages"] = {n: r for n, r in previous.get("stages", {}).items() if not fnmatch.fnmatch(n, args.only)}
        results["failed"] = {n: e for n, e in previous.get("failed", {}).items() if not fnmatch.fnmatch(n, args.only)}
    selected = [s for s in STAGES.values() if fnmatch.fnmatch(s.name, args.only) and args.scale in s.scales]
    try:
        _run(selected, ctx, args.repeats, results)
    finally:
        ctx.close()
    # Growth columns persist across runs of other scales: a medium run keeps the large column and vice versa.
    results["growth"] = report.merge_growth(previous.get("growth", {}), results["growth"])
    results["ratios"] = compute_ratios(results["stages"], args.scale)
    results["finished_at"] = report.now()
    results["wall_s"] = round(time.perf_counter() - bench_started, 1)
    results["load_average"] = report.load_average()
    report.write(results, ROOT)
    print(f"bench: wrote {ROOT / 'BENCHMARKS.md'} and bench/results.json ({results['wall_s']:.0f} s)")
    return 1 if results["failed"] else 0


def _run(selected: list, ctx: Context, repeats_override: int | None, results: dict) -> None:
    for st in selected:
        repeats = repeats_override or st.repeats
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
        summary = {**report.stage_meta(st.name, ctx.scale), **summarise(samples)}
        summary["met"] = stage_met(st, summary)
        summary["stage_s"] = round(time.perf_counter() - started, 1)
        if st.group == "growth":
            results["growth"][summary["extra"]["scale"]] = {**summary["extra"], "measured_at": report.now(),
                                                             "bench_scale": ctx.scale}
        else:
            results["stages"][st.name] = summary
        print(f"bench:   median {summary['median_s']:.4f} s (stage took {summary['stage_s']:.1f} s)", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
