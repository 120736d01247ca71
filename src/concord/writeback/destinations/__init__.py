"""The three destinations; each knows its targets (in write order) and how to send a list of items."""

from __future__ import annotations

from typing import Protocol

from concord.writeback.http import RetryCounter
from concord.writeback.settings import WritebackSettings
from concord.writeback.targets import Item, Result, Target


class Destination(Protocol):
    name: str
    targets: tuple[Target, ...]

    def send(self, target: Target, items: list[Item]) -> list[Result]: ...

    def close(self) -> None: ...


def targets_of(name: str) -> tuple[Target, ...]:
    """The targets of destination `name`, in the order they are written."""
    if name == "salesforce":
        from concord.writeback.destinations.salesforce import TARGETS
    elif name == "netsuite":
        from concord.writeback.destinations.netsuite import TARGETS
    elif name == "stripe":
        from concord.writeback.destinations.stripe import TARGETS
    else:
        raise ValueError(name)
    return TARGETS


def open_destination(name: str, settings: WritebackSettings, counter: RetryCounter) -> Destination:
    """A client for destination `name`, configured like its tap (the same credentials and base URL)."""
    from concord.sync.sources import source, tap_config

    config = tap_config(source(name))
    if name == "salesforce":
        from concord.writeback.destinations.salesforce import Salesforce

        return Salesforce(config, settings, counter)
    if name == "netsuite":
        from concord.writeback.destinations.netsuite import NetSuite

        return NetSuite(config, settings, counter)
    from concord.writeback.destinations.stripe import Stripe

    return Stripe(config, settings, counter)
