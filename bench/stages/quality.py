"""Quality stage: the GX checkpoint (`quality_checks` task: every suite, the exception lifecycle, Data Docs) in
the shared pipeline's first concord_hourly run, on the whole company just loaded and built (bench.pipeline).

Goal ≤ 60 s at medium: the checks run every hour between the build and the writebacks, so they should take a
small share of the hour's budget; 60 s is a fifth of the Orchestration issue's 5-minute demo (#11). The next
hour's checkpoint is in the extra.
"""

from __future__ import annotations

from bench.harness import Context, Sample, stage
from bench.pipeline import pipeline


@stage("quality.checkpoint", group="quality", unit="expectations", repeats=1, warmup=0, goal="<= 60")
def checkpoint(ctx: Context) -> Sample:
    """The GX checkpoint task of the first hourly run (GX import, every suite, exceptions, Data Docs)."""
    p = pipeline(ctx)
    check = p.first["ledger"].get("check", {})
    detail = check.get("detail") or {}
    nxt = p.second["ledger"].get("check", {})
    return Sample(p.first["task_seconds"].get("quality_checks", 0.0), items=int(check.get("records_in") or 0) or None,
                  extra={"checkpoint_s": detail.get("seconds"), "open_exceptions": detail.get("open"),
                         "next_hour_task_s": round(p.second["task_seconds"].get("quality_checks", 0.0), 2),
                         "next_hour_checkpoint_s": (nxt.get("detail") or {}).get("seconds")})
