"""The growth curve: the same simulated hour (concord_hourly one hour after a first run) at each scale, split
into the work that grows with the company and the fixed cost (bench.pipeline). A medium bench also fills the
small column (small is cheap); `make bench SCALE=large` fills the large column. Columns persist in
bench/results.json across runs of other scales.

The incremental cost should stay nearly flat while the company grows (issue #13): the hour's changes grow with
the company, but far less than the company; the goal is on the medium next hour (≤ 10 % of the first run, the
airflow ratio).
"""

from __future__ import annotations

from bench.harness import Context, Sample, stage
from bench.pipeline import growth_row, pipeline

COLUMNS = {"small": ("small", "medium"), "medium": ("medium",), "large": ("large",)}


def _growth_stage(scale: str) -> None:
    @stage(f"growth.{scale}", group="growth", unit="rows", repeats=1, warmup=0, scales=COLUMNS[scale])
    def growth(ctx: Context) -> Sample:
        p = pipeline(ctx, scale)
        row = growth_row(p)
        return Sample(row["total"], items=row["rows_extracted"], extra={"scale": scale, **row})

    growth.__doc__ = f"concord_hourly's next hour at {scale} scale."


for _scale in COLUMNS:
    _growth_stage(_scale)
