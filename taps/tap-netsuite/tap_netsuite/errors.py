"""Errors tap-netsuite raises: each names the stream, and for query failures the SuiteQL query, never a secret."""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError


class NetSuiteQueryError(FatalAPIError):
    """NetSuite rejected a request for good (4xx other than 429): stream, query, HTTP status, code and detail."""

    def __init__(self, stream: str, query: str, status: int, code: str, detail: str) -> None:
        super().__init__(f"stream {stream!r}: NetSuite answered HTTP {status} {code}: {detail} (query: {query})")
        self.stream, self.query, self.status, self.code, self.detail = stream, query, status, code, detail


class NetSuiteAuthError(NetSuiteQueryError):
    """NetSuite refused the credentials (401/403); check the account id, base URL and tokens."""


class NetSuiteRetriableError(RetriableAPIError):
    """A transient failure (429, 5xx, truncated or malformed body) worth retrying with backoff."""

    def __init__(self, stream: str, reason: str, response: object = None) -> None:
        super().__init__(f"stream {stream!r}: {reason}", response)  # type: ignore[arg-type]
        self.stream, self.reason = stream, reason


class QueryCapError(RuntimeError):
    """A query window hit NetSuite's result cap without returning a row to advance the boundary from."""

    def __init__(self, stream: str, query: str) -> None:
        super().__init__(f"stream {stream!r}: the query returned no rows before its result cap; cannot advance "
                         f"(query: {query})")
        self.stream, self.query = stream, query
