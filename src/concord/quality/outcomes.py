"""What one checkpoint run found, per expectation: the shape the runner produces and the lifecycle consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concord.quality.suites import ExpectationSpec


def _present(keys: dict[str, dict[str, list[Any]]]) -> dict[str, dict[str, list[Any]]]:
    """`keys` without empty key lists and without systems left with no object; a row with no key at all keeps
    its declared objects with a null key (so it still names what it is about)."""
    out = {system: {obj: vals for obj, vals in objects.items() if vals} for system, objects in keys.items()}
    out = {system: objects for system, objects in out.items() if objects}
    return out or {system: {obj: [None] for obj in objects} for system, objects in keys.items()}


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation's result. `failing_rows` holds each failing row's key columns (column -> value)."""

    spec: ExpectationSpec
    status: str  # success | failure | error
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    failing_rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def implicated_keys(self) -> list[dict[str, dict[str, list[Any]]]]:
        """Each failing row's keys in the ground truth's shape {system: {object: [key]}}, distinct, in order.

        With `group_by`, the rows sharing that column's value make one entry holding their keys, sorted. A null
        key (an object the row has no counterpart of in that system) is left out, as is a system left empty.
        """
        out: list[dict[str, dict[str, list[Any]]]] = []
        if self.spec.group_by:
            groups: dict[Any, list[dict[str, Any]]] = {}
            for row in self.failing_rows:
                groups.setdefault(row.get(self.spec.group_by), []).append(row)
            for rows in groups.values():
                keys = _present({
                    system: {
                        obj: sorted({r.get(column) for r in rows} - {None}, key=str)
                        for obj, column in objects.items()
                    }
                    for system, objects in self.spec.keys.items()
                })
                if keys not in out:
                    out.append(keys)
            return out
        for row in self.failing_rows:
            keys = _present({
                system: {obj: [row[column]] if row.get(column) is not None else [] for obj, column in objects.items()}
                for system, objects in self.spec.keys.items()
            })
            if keys not in out:
                out.append(keys)
        return out


@dataclass(frozen=True)
class CheckpointResult:
    """All outcomes of one run; the run fails only when a check could not execute."""

    run_id: str
    outcomes: list[CheckOutcome]
    seconds: float
    docs_index: Path | None = None
    docs_error: str | None = None
    docs_seconds: float = 0.0

    def _with(self, status: str) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def passed(self) -> list[CheckOutcome]:
        return self._with("success")

    @property
    def failed(self) -> list[CheckOutcome]:
        return self._with("failure")

    @property
    def errored(self) -> list[CheckOutcome]:
        return self._with("error")

    @property
    def succeeded(self) -> bool:
        return not self.errored
