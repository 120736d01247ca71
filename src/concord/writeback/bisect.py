"""Isolate the rows that make a whole batch fail: split the batch in halves and resend each, recursively, until
every failure belongs to a batch of one. Rows in halves that go through are written once, as normal."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from concord.writeback.targets import Item, Result


class WholeBatchFailure(Exception):
    """The destination refused the batch as a whole (after retries), not row by row."""

    def __init__(self, status: int | None, error: str, retriable: bool) -> None:
        super().__init__(error)
        self.status, self.error, self.retriable = status, error, retriable


def send_bisecting(items: Sequence[Item], send_batch: Callable[[Sequence[Item]], list[Result]],
                   splits: list[int] | None = None) -> list[Result]:
    """Results for `items`, one per item in order; `splits` (if given) collects the size of each split batch."""
    if not items:
        return []
    try:
        return send_batch(items)
    except WholeBatchFailure as failure:
        if len(items) == 1:
            return [Result(items[0].key, False, failure.retriable, failure.status, failure.error)]
        if splits is not None:
            splits.append(len(items))
        half = len(items) // 2
        return (send_bisecting(items[:half], send_batch, splits)
                + send_bisecting(items[half:], send_batch, splits))
