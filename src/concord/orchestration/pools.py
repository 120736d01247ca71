"""One Airflow pool of size 1 per source and per destination: tasks touching the same state never overlap.

The code's own advisory locks (`concord.sync.locks.resource_lock`) also cover CLI runs; the pools keep Airflow
from even starting a second task on the same source or destination (it queues instead of failing on the lock).
"""

from __future__ import annotations

from concord.sync.sources import SOURCES

# The writeback destinations (systems Concord writes back to); fixed by the architecture's names table.
DESTINATIONS: tuple[str, ...] = ("salesforce", "netsuite", "stripe")


def source_pool(source: str) -> str:
    return f"concord_source_{source}"


def destination_pool(destination: str) -> str:
    return f"concord_destination_{destination}"


def all_pools() -> dict[str, str]:
    """Pool name → description, for every source and destination."""
    pools = {source_pool(s): f"one task at a time on source {s}'s state" for s in SOURCES}
    pools |= {destination_pool(d): f"one writeback task at a time to {d}" for d in DESTINATIONS}
    return pools


def ensure_pools() -> list[str]:
    """Create (or resize to 1) every Concord pool in Airflow's metadata database; idempotent. Returns the names."""
    from airflow.models.pool import Pool

    for name, description in all_pools().items():
        Pool.create_or_update_pool(name, slots=1, description=description, include_deferred=False)
    return list(all_pools())


def main() -> None:
    """`python -m concord.orchestration.pools`: create the pools (setup runs it)."""
    from concord.airflow_env import apply_airflow_environment

    apply_airflow_environment()
    print(f"airflow pools ready: {', '.join(ensure_pools())}")


if __name__ == "__main__":
    main()
