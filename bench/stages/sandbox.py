"""Sandbox stages: seeding the simulated company at each scale, and one simulated hour of activity."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from concord_sandbox.activity import advance
from concord_sandbox.inconsistencies import DEFAULT_RATES
from concord_sandbox.seed import SCALES, seed_company
from concord_sandbox.store import Store
from concord_sandbox.timefmt import parse_iso

from bench.harness import Context, Sample, stage

START = parse_iso("2026-01-01T00:00:00Z")


def _seed(ctx: Context, scale: str) -> Sample:
    path = ctx.scratch(f"sandbox_seed_{scale}") / "sandbox.db"
    result = seed_company(path, scale, 1, START, dict(DEFAULT_RATES))
    rows = sum(result.counts.values())
    shutil.rmtree(path.parent, ignore_errors=True)
    return Sample(
        result.seconds,
        items=rows,
        extra={
            "accounts": SCALES[scale],
            "invoices": result.counts["invoices"],
            "planted": result.planted,
            "phases_s": {k: round(v, 2) for k, v in result.phases.items()},
        },
    )


@stage("sandbox.seed_small", group="sandbox", unit="rows", repeats=3, warmup=1, scales=("small",))
def seed_small(ctx: Context) -> Sample:
    """`concord sandbox seed --scale small` (≈ 500 accounts), all three systems and the ground truth."""
    return _seed(ctx, "small")


@stage("sandbox.seed_medium", group="sandbox", unit="rows", repeats=2, warmup=0, scales=("medium",))
def seed_medium(ctx: Context) -> Sample:
    """`concord sandbox seed --scale medium` (≈ 20,000 accounts)."""
    return _seed(ctx, "medium")


@stage(
    "sandbox.seed_large", group="sandbox", unit="rows", repeats=1, warmup=0, scales=("large",), goal="<= 300"
)
def seed_large(ctx: Context) -> Sample:
    """`concord sandbox seed --scale large` (≈ 200,000 accounts, ≥ 1,000,000 invoices); goal under 5 minutes."""
    return _seed(ctx, "large")


@stage(
    "sandbox.advance_1h",
    group="sandbox",
    unit="rows changed",
    repeats=3,
    warmup=0,
    scales=("small", "medium"),
)
def advance_1h(ctx: Context) -> Sample:
    """`concord sandbox advance --hours 1` on a freshly seeded company (a copy per run; the seed is untimed)."""
    seeded = ctx.cached(
        f"sandbox_{ctx.scale}.db", lambda p: seed_company(Path(p), ctx.scale, 1, START, dict(DEFAULT_RATES))
    )
    work = ctx.scratch("sandbox_advance") / "sandbox.db"
    shutil.copyfile(seeded, work)
    store = Store(work)
    t0 = time.perf_counter()
    report = advance(store, 1)
    elapsed = time.perf_counter() - t0
    store.close()
    changed = sum(report.inserted.values()) + sum(report.updated.values()) + sum(report.deleted.values())
    return Sample(elapsed, items=changed, extra={"activity": report.activity})
