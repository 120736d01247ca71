"""Writeback errors: each names the destination or target and what to do."""

from __future__ import annotations

from concord.errors import ConcordError


class WritebackError(ConcordError):
    """A writeback run could not proceed."""


class DestinationUnavailableError(WritebackError):
    """The destination refused Concord's credentials or could not be reached (after retries)."""


class ChangeGuardError(WritebackError):
    """A run would change more of a destination's rows than the configured share; nothing was sent."""
