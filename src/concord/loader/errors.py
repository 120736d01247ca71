"""Loader exceptions: each names the stream, record, field or line a user needs to act on."""

from __future__ import annotations

from typing import Any

from concord.errors import ConcordError


class LoaderError(ConcordError):
    """The loader stopped; what came before the failure is committed with its STATE."""


class ConfigError(LoaderError):
    """The loader configuration is missing a setting or has an invalid one."""


class MalformedLineError(LoaderError):
    """A Singer line is not JSON or not a known message; names the line number."""

    def __init__(self, line_no: int, reason: str) -> None:
        super().__init__(f"line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = reason


class StreamError(LoaderError):
    """A stream-level problem (a RECORD before its SCHEMA, an unusable schema); names the stream."""

    def __init__(self, stream: str, reason: str, line_no: int | None = None) -> None:
        where = f" (line {line_no})" if line_no is not None else ""
        super().__init__(f"stream {stream!r}{where}: {reason}")
        self.stream = stream
        self.reason = reason


class LockedError(LoaderError):
    """Another loader holds this state id's lock."""


class RecordRejected(Exception):
    """A record breaks its schema; it goes to quarantine with this field path and reason (never escapes a run)."""

    def __init__(self, field: str | None, reason: str, key: Any = None) -> None:
        super().__init__(f"{field or '<record>'}: {reason}")
        self.field = field
        self.reason = reason
        self.key = key
