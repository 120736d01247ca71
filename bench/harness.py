"""The benchmark harness: stages register here; the runner measures them and compares them in one run.

A stage is a function `fn(ctx) -> Sample` decorated with `@stage(...)` in a module under `bench/stages/`.
The function times the part it measures itself (setup it needs, e.g. generating an input file, stays
outside the timed part; cache expensive inputs with `ctx.cached(key, build)`). The runner calls it `warmup`
times unmeasured and `repeats` times measured and keeps the median. A `ratio(...)` compares two stages'
medians from the same run against a goal, so a noisy machine moves both sides together.

    from bench.harness import Sample, ratio, stage

    @stage("loader.concord_200k", group="loader", unit="records", repeats=3)
    def concord_200k(ctx):
        path = ctx.cached("invoices_200k", lambda p: write_invoice_stream(p, 200_000))
        t0 = time.perf_counter(); ...; return Sample(time.perf_counter() - t0, items=200_000)

    ratio("loader vs COPY ceiling", "loader.concord_200k", "copy.ceiling_200k", kind="speed", goal=">= 0.7")

`kind="time"` reports median(a) / median(b); `kind="speed"` reports median(b) / median(a) (a's throughput
relative to b's). A stage's goal bounds its median seconds (`"<= x"`, `">= x"`) or its throughput
(`">= x/s"`, items per second), or is text such as `"reference"` (a floor or ceiling other rows are compared
with); `peak_goal` bounds its peak memory in MiB. A stage without a goal that is the `a` side of a ratio shows
the ratio's goal. Stages and ratios may declare `scales=` to apply only at some scales.
"""

from __future__ import annotations

import contextlib
import shutil
import statistics
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SCALES = ("small", "medium", "large")


@dataclass
class Sample:
    """One measured execution: wall seconds of the measured part, items processed, peak memory, extras."""

    seconds: float
    items: int | None = None
    peak_mib: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Stage:
    name: str
    fn: Callable[[Context], Sample]
    group: str
    unit: str
    repeats: int
    warmup: int
    scales: tuple[str, ...]
    goal: str | None
    description: str
    peak_goal: str | None = None
    goal_scales: tuple[str, ...] = SCALES


@dataclass
class Ratio:
    name: str
    a: str
    b: str
    kind: str
    goal: str | None
    scales: tuple[str, ...] = SCALES


STAGES: dict[str, Stage] = {}
RATIOS: list[Ratio] = []


def stage(
    name: str,
    *,
    group: str,
    unit: str = "items",
    repeats: int = 3,
    warmup: int = 1,
    scales: tuple[str, ...] = SCALES,
    goal: str | None = None,
    peak_goal: str | None = None,
    goal_scales: tuple[str, ...] = SCALES,
) -> Callable[[Callable[[Context], Sample]], Callable[[Context], Sample]]:
    """Register a stage; `goal` bounds its median seconds (e.g. `"<= 0.050"` for a page under 50 ms), its
    throughput (`">= 5000/s"`), or names it a `"reference"`; `peak_goal` bounds its peak MiB. The goals apply
    at `goal_scales` (a rate goal set for medium means nothing where start-up dominates a small run)."""

    def register(fn: Callable[[Context], Sample]) -> Callable[[Context], Sample]:
        if name in STAGES:
            raise ValueError(f"benchmark stage {name!r} registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        STAGES[name] = Stage(name, fn, group, unit, repeats, warmup, scales, goal, doc[0] if doc else "", peak_goal,
                             goal_scales)
        return fn

    return register


def ratio(name: str, a: str, b: str, *, kind: str = "time", goal: str | None = None,
          scales: tuple[str, ...] = SCALES) -> None:
    """Register a same-run comparison of stage `a` against stage `b` (its goal applies at `scales`)."""
    if kind not in ("time", "speed"):
        raise ValueError("kind must be 'time' or 'speed'")
    RATIOS.append(Ratio(name, a, b, kind, goal, scales))


@dataclass
class Context:
    """What a stage may use: the scale, a scratch folder, the PostgreSQL server, cached inputs."""

    scale: str
    workdir: Path
    server_url: str
    _cache: dict[str, Path] = field(default_factory=dict)
    _exit: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def enter(self, cm: contextlib.AbstractContextManager[Any]) -> Any:
        """Enter a context manager that stays open until the bench run ends (`close`)."""
        return self._exit.enter_context(cm)

    def on_exit(self, callback: Callable[[], Any]) -> None:
        """Call `callback` when the bench run ends (last registered, first called)."""
        self._exit.callback(callback)

    def close(self) -> None:
        self._exit.close()

    def cached(self, key: str, build: Callable[[Path], Any]) -> Path:
        """A file under the workdir built once per run by `build(path)`."""
        if key not in self._cache:
            path = self.workdir / "cache" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                build(path)
            self._cache[key] = path
        return self._cache[key]

    def keep(self, key: str, path: Path) -> Path:
        """Move a file a stage produced into the cache under `key` (if not cached yet), for later stages."""
        target = self.workdir / "cache" / key
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
        self._cache[key] = target
        return target

    @contextlib.contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new database on the server, dropped afterwards; yields its URL."""
        name = f"concord_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        params = conninfo_to_dict(self.server_url)
        params["dbname"] = name
        try:
            yield make_conninfo("", **params)
        finally:
            with psycopg.connect(self.server_url, autocommit=True) as conn:
                conn.execute(f'drop database if exists "{name}" with (force)')

    def scratch(self, name: str) -> Path:
        """An empty folder under the workdir (emptied if it existed)."""
        path = self.workdir / "scratch" / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path


def check_goal(value: float | None, goal: str | None) -> bool | None:
    """Whether `value` meets a `"<= x"` / `">= x"` goal (a trailing `/s` or unit is ignored); None for text
    goals such as "reference", for no goal, or for no value."""
    if not goal or value is None:
        return None
    op, _, target = goal.partition(" ")
    if op not in ("<=", ">="):
        return None
    bound = float(target.split("/")[0].split()[0].replace(",", "").replace("_", ""))
    return value >= bound if op == ">=" else value <= bound


def stage_goals(stage: Stage, scale: str) -> tuple[str | None, str | None]:
    """The stage's (goal, peak goal) at `scale`."""
    if scale not in stage.goal_scales:
        return None, None
    return stage.goal, stage.peak_goal


def stage_met(stage: Stage, summary: dict[str, Any]) -> bool | None:
    """The stage's goal (seconds or throughput) and its peak-memory goal, met or not (None: nothing to check);
    `summary` carries the goals that apply at the run's scale (`goal`, `peak_goal`)."""
    goal, peak_goal = summary.get("goal", stage.goal), summary.get("peak_goal", stage.peak_goal)
    checks = []
    if goal and goal.endswith("/s"):
        checks.append(check_goal(summary.get("items_per_s"), goal))
    else:
        checks.append(check_goal(summary["median_s"], goal))
    checks.append(check_goal(summary.get("peak_mib"), peak_goal))
    known = [c for c in checks if c is not None]
    return all(known) if known else None


def summarise(samples: list[Sample]) -> dict[str, Any]:
    seconds = [s.seconds for s in samples]
    median = statistics.median(seconds)
    items = samples[0].items
    peaks = [s.peak_mib for s in samples if s.peak_mib is not None]
    extra: dict[str, Any] = {}
    for s in samples:
        extra.update(s.extra)
    return {
        "median_s": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "samples_s": seconds,
        "items": items,
        "items_per_s": (items / median) if items and median > 0 else None,
        "peak_mib": max(peaks) if peaks else None,
        "extra": extra,
    }


def compute_ratios(results: dict[str, dict[str, Any]], scale: str | None = None) -> list[dict[str, Any]]:
    out = []
    for r in RATIOS:
        if r.a not in results or r.b not in results:
            continue
        a, b = results[r.a]["median_s"], results[r.b]["median_s"]
        value = a / b if r.kind == "time" else b / a
        goal = r.goal if scale is None or scale in r.scales else None
        out.append({"name": r.name, "a": r.a, "b": r.b, "kind": r.kind, "value": value,
                    "goal": goal, "met": check_goal(value, goal)})
    return out
