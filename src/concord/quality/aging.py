"""Aging of open exceptions in buckets (default 0-1, 1-3, 3-7, >7 days; bounds from quality.toml)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import psycopg

from concord.quality.config import QualityConfig, load_config


def bucket_labels(bounds_days: tuple[float, ...]) -> list[str]:
    """Labels in order, e.g. ['0-1d', '1-3d', '3-7d', '>7d']."""
    edges = [0.0, *bounds_days]
    labels = [f"{_fmt(lo)}-{_fmt(hi)}d" for lo, hi in pairwise(edges)]
    return [*labels, f">{_fmt(edges[-1])}d"]


def _fmt(days: float) -> str:
    return str(int(days)) if days == int(days) else str(days)


def aging_bucket(age: timedelta, bounds_days: tuple[float, ...] = (1.0, 3.0, 7.0)) -> str:
    """The bucket an exception of this age falls in (a bound belongs to the lower bucket)."""
    days = age.total_seconds() / 86400
    labels = bucket_labels(bounds_days)
    for label, bound in zip(labels, bounds_days, strict=False):
        if days <= bound:
            return label
    return labels[-1]


def open_exceptions_by_age(
    conn: psycopg.Connection, now: datetime | None = None, config: QualityConfig | None = None
) -> dict[str, int]:
    """Count of open exceptions per aging bucket (every bucket present, zero when empty)."""
    bounds = (config or load_config()).aging_bounds_days
    at = now or conn.execute("select now()").fetchone()[0]
    counts = dict.fromkeys(bucket_labels(bounds), 0)
    for (first_seen,) in conn.execute(
            "select first_seen_at from concord_meta.exceptions where resolved_at is null"):
        counts[aging_bucket(at - first_seen, bounds)] += 1
    return counts
