"""How far the source's clock is behind ours when a sync starts, so latency is measured on the source's clock.

Real SaaS APIs run on synchronized clocks: the skew is 0. The sandbox runs a simulated clock (its records carry
simulated modification times), so when a source's tap config comes from the running sandbox the skew is our
time minus the sandbox's simulated now. The ops marts subtract it from `_concord_loaded_at`.
"""

from __future__ import annotations

import os
import time


def source_clock_skew_seconds(config_env: str) -> float:
    """Seconds our clock is ahead of the source's (0 unless the source is the sandbox's simulated clock)."""
    if os.environ.get(config_env):
        return 0.0
    try:
        from concord_sandbox.paths import database_path
        from concord_sandbox.store import Store
    except ModuleNotFoundError:
        return 0.0
    path = database_path()
    if not path.exists():
        return 0.0
    try:  # an unreadable sandbox only loses the correction, never the sync
        store = Store(path)
        try:
            return round(time.time() - store.now(), 3)
        finally:
            store.close()
    except Exception:
        return 0.0
