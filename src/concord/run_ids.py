"""Correlation ids of runs started by hand (the CLI); Airflow runs use their own run id."""

from __future__ import annotations

from datetime import UTC, datetime


def manual_run_id() -> str:
    """`manual__<UTC time to the microsecond>`: unique per invocation, so two runs started in the same second
    (two engineers, two test workers) never share a ledger row or a log folder."""
    return f"manual__{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"
