"""Test-only kill points: `CONCORD_LOADER_KILL=<point>:<n>[:<delay seconds>]` makes the loader SIGKILL itself.

Points: `copy` after the n-th record of the run has been written to a COPY; `merge` n-th merge statement, killed
from a timer thread `delay` seconds after the statement was sent (so the server is mid-statement; if the statement ends first,
the loader dies right after it, still before the commit); `precommit`
before the n-th commit (rows and state written, not committed); `between` right after the n-th commit. Unset
(always, outside tests) it costs one integer comparison per record.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "CONCORD_LOADER_KILL"
NEVER = 1 << 62


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class KillSwitch:
    """Parsed from the environment once per run."""

    def __init__(self, spec: str | None = None) -> None:
        spec = os.environ.get(ENV, "") if spec is None else spec
        parts = spec.split(":") if spec else []
        self.point = parts[0] if parts else None
        self.n = int(parts[1]) if len(parts) > 1 else 1
        self.delay = float(parts[2]) if len(parts) > 2 else 0.0
        self._counts: dict[str, int] = {}
        self._merge_armed = False
        # the record count at which the run loop calls `die()` (NEVER unless the point is `copy`)
        self.copy_at = self.n if self.point == "copy" else NEVER

    def reached(self, point: str) -> None:
        """Called at `point`; kills the process if it is the armed point's n-th occurrence."""
        if point != self.point:
            return
        self._counts[point] = self._counts.get(point, 0) + 1
        if self._counts[point] != self.n:
            return
        if point == "merge":
            self._merge_armed = True
            timer = threading.Timer(self.delay, die)
            timer.daemon = True
            timer.start()
        else:
            die()

    def merge_done(self) -> None:
        """Called when a merge statement returns: an armed merge kill that has not fired yet fires now."""
        if self._merge_armed:
            die()
