"""The tap's errors: each names the stream, the request or record, and the reason; secrets are redacted."""

from __future__ import annotations

import re

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

_SECRET = re.compile(r"\b(sk|rk|pk)_(test|live)_[0-9A-Za-z]+")


def redact(text: str) -> str:
    """`text` with anything shaped like a Stripe API key replaced by its prefix and `…REDACTED`."""
    return _SECRET.sub(lambda m: f"{m.group(1)}_{m.group(2)}_…REDACTED", text)


class StripeRequestError(FatalAPIError):
    """A request Stripe refused for good (400/401/403/404, or `Stripe-Should-Retry: false`)."""

    def __init__(self, stream: str, method: str, path: str, status: int, error_type: str, code: str | None,
                 message: str) -> None:
        super().__init__(redact(f"Stream {stream!r}: {method} {path} failed with {status} {error_type}"
                                f"{f' ({code})' if code else ''}: {message}"))
        self.stream, self.method, self.path, self.status = stream, method, path, status
        self.error_type, self.code = error_type, code


class StripeRetriableError(RetriableAPIError):
    """A request worth retrying (429, 5xx, a truncated or unreadable body); carries `retry_after` seconds."""

    def __init__(self, message: str, response: object = None, retry_after: float | None = None) -> None:
        super().__init__(redact(message), response)  # type: ignore[arg-type]
        self.retry_after = retry_after


class EventsExpiredError(Exception):
    """The stream's events bookmark is older than Stripe's 30-day event retention: changes may be lost."""

    def __init__(self, stream: str, bookmark: int, oldest_available: int) -> None:
        super().__init__(
            f"Stream {stream!r}: the events bookmark {bookmark} is older than Stripe's 30-day event retention "
            f"(oldest available event time {oldest_available}); changes in between cannot be read. Remedy: run a "
            f"full re-sync of {stream!r} (clear its state, e.g. run without --state for this stream).")
        self.stream, self.bookmark, self.oldest_available = stream, bookmark, oldest_available


class UnexpectedObjectError(Exception):
    """A list returned an object of another type than the stream's; names the stream, the id and both types."""

    def __init__(self, stream: str, object_id: str, expected: str, got: str) -> None:
        super().__init__(f"Stream {stream!r}: record {object_id!r} field 'object' is {got!r}, expected {expected!r}.")
