"""Concord's sandbox: one simulated company whose CRM, billing and ERP disagree in known, planted ways.

The state lives in one SQLite database (see ``sandbox/MODEL.md`` for the schema contract the API emulators
build on); the clock is simulated; the ground truth lists every planted inconsistency and when it was repaired.
"""

from __future__ import annotations
