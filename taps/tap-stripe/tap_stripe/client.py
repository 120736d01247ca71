"""The base stream for the Stripe API: auth, list pagination, error classification, backoff, and the two sync modes.

A stream with no bookmark runs a **full sync**: it lists the resource in `created` windows (oldest window first,
pages newest first by `starting_after`); every record is stamped with the server time T0 read before listing,
and T0 becomes the bookmark. A stream with a bookmark runs an **events sync**: it reads `/v1/events` of its
event types from `bookmark - lookback_seconds`, in time windows, each window put in chronological order, and
emits each event's `data.object` as the record (deleted per `events.EVENT_ACTIONS`). Each record carries

* `_concord_updated` — the replication key (unix seconds): the event's `created` (or T0 for a full sync);
* `_concord_version` — `_concord_updated * 1_000_000 + n`, n the event's position within its second (0 for a full sync);
  the loader keeps the highest version;
* `_sdc_deleted_at` — the deletion time for a deletion event, else null.

The stream declares itself unsorted, so singer-sdk only promotes the bookmark when the stream has finished:
a STATE never covers records not yet emitted.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
import requests
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream

from tap_stripe.errors import EventsExpiredError, StripeRequestError, StripeRetriableError, redact
from tap_stripe.events import EVENT_ACTIONS, Action
from tap_stripe.lean_sync import lean_eligible, lean_records
from tap_stripe.servertime import server_time

API_VERSION = "2026-10-28.endive"
EVENT_RETENTION_SECONDS = 30 * 86400
VERSION_SCALE = 1_000_000
_FATAL = {400, 401, 402, 403, 404}


def parse_start_date(value: str | None) -> int:
    """Unix seconds of an ISO-8601 `start_date` (UTC when no offset is given)."""
    if not value:
        return 0
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def iso(ts: int) -> str:
    """Unix seconds as RFC 3339 UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StripeStream(RESTStream[Any]):
    """A Stripe resource: `path` lists it, `object_name` is its `object`, its events come from `EVENT_ACTIONS`."""

    object_name: ClassVar[str]
    list_params: ClassVar[dict[str, str]] = {}
    primary_keys: ClassVar[tuple[str, ...]] = ("id",)  # type: ignore[misc]
    replication_key = "_concord_updated"
    is_sorted = False  # bookmarks are promoted only at the end of the stream
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # the API's JSON already has the declared types
    records_jsonpath = "$.data[*]"

    # -- HTTP ------------------------------------------------------------------------------------------------

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url", "https://api.stripe.com")).rstrip("/")

    @property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["api_key"])

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Stripe-Version": API_VERSION, "User-Agent": self.config.get("user_agent", "concord-tap-stripe/0.1")}

    @property
    def timeout(self) -> int:
        return int(self.config.get("request_timeout", 60))

    def validate_response(self, response: requests.Response) -> None:
        """Classify a response: retriable (429, 409 lock timeouts, 5xx, `Stripe-Should-Retry: true`, a body that
        is not complete JSON) or fatal (400/401/402/403/404, `Stripe-Should-Retry: false`); parse the body once."""
        status = response.status_code
        should_retry = response.headers.get("Stripe-Should-Retry")
        where = f"{response.request.method} {response.request.path_url}"
        if status >= 400:
            body = _json_or_none(response.content) or {}
            error = body.get("error") if isinstance(body.get("error"), dict) else {}
            retriable = should_retry == "true" or (should_retry != "false" and (status in (409, 429) or status >= 500))
            if retriable:
                raise StripeRetriableError(
                    f"Stream {self.name!r}: {where} returned {status} {error.get('type', '')}: "
                    f"{error.get('message', response.reason)}", response, _retry_after(response))
            raise StripeRequestError(self.name, response.request.method or "GET", response.request.path_url, status,
                                     str(error.get("type", "api_error")), error.get("code"),
                                     str(error.get("message", response.reason)))
        parsed = _json_or_none(response.content)
        if not isinstance(parsed, dict):
            raise StripeRetriableError(f"Stream {self.name!r}: {where} returned an incomplete or non-JSON body "
                                       f"({len(response.content)} bytes)", response)
        response.concord_json = parsed  # type: ignore[attr-defined]

    def response_error_message(self, response: requests.Response) -> str:
        return redact(super().response_error_message(response))

    def backoff_wait_generator(self) -> Generator[float, Any, None]:  # type: ignore[override]
        """Exponential waits from `backoff_base_seconds`, capped at `backoff_max_seconds`, never shorter than the
        server's `Retry-After` (jitter is added on top, see `backoff_jitter`)."""
        base = float(self.config.get("backoff_base_seconds", 1.0))
        cap = float(self.config.get("backoff_max_seconds", 60.0))
        attempt = 0
        exc = yield 0.0
        while True:
            retry_after = getattr(exc, "retry_after", None) or 0.0
            exc = yield max(min(cap, base * 2**attempt), retry_after)
            attempt += 1

    def backoff_jitter(self, value: float) -> float:
        """Add up to 25 % on top (never less, so `Retry-After` is honoured)."""
        return value + random.uniform(0, value * 0.25)

    def backoff_max_tries(self) -> int:
        return int(self.config.get("max_retries", 8))

    def fetch(self, path: str, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """GET one page (with retries); returns the parsed body and the server time from its `Date` header."""
        request = requests.Request("GET", self.url_base + path, params=params, headers=self.http_headers)
        prepared = self.requests_session.prepare_request(request)
        response = self.request_decorator(self._request)(prepared, None)
        return response.concord_json, server_time(response.headers.get("Date"))

    def pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every object of a list, following `has_more` with `starting_after`."""
        params = {**params, "limit": int(self.config.get("page_size", 100))}
        while True:
            body, _ = self.fetch(path, params)
            data = body.get("data") or []
            yield from data
            if not body.get("has_more") or not data:
                return
            params["starting_after"] = data[-1]["id"]

    # -- records ---------------------------------------------------------------------------------------------

    def _sync_records(self, context: dict[str, Any] | None = None, *,
                      write_messages: bool = True) -> Iterator[dict[str, Any]]:
        """singer-sdk's record loop, or the equivalent bulk loop of `lean_sync` when nothing needs per-record
        selection, mapping or partitioning (a ~3x cheaper record path)."""
        if write_messages and lean_eligible(self, context):
            yield from lean_records(self)
        else:
            yield from super()._sync_records(context, write_messages=write_messages)

    def complete(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Fetch what the API left out of an object (e.g. invoice lines past the first 10); default: nothing."""
        return obj

    def get_records(self, context: dict[str, Any] | None) -> Iterable[dict[str, Any]]:
        # The bookmark is read from the state itself: singer-sdk would substitute `start_date` when there is none.
        bookmark = self.get_context_state(context).get("replication_key_value")
        if bookmark is None:
            yield from self.full_sync(context)
        else:
            yield from self.events_sync(int(bookmark), context)

    def full_sync(self, context: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        """List every object in `created` windows from `start_date`; all stamped with the server time T0,
        which becomes the bookmark once the stream has finished (also when it had no records)."""
        _, t0 = self.fetch(self.path, {**self.list_params, "limit": 1})
        start = parse_start_date(self.config.get("start_date"))
        step = int(self.config.get("window_days", 90)) * 86400
        version = t0 * VERSION_SCALE
        for low in range(start, t0 + 1, step):
            params = {**self.list_params, "created[gte]": low, "created[lt]": min(low + step, t0 + 1)}
            for obj in self.pages(self.path, params):
                if obj.get("object") != self.object_name:
                    continue
                record = self.complete(obj)
                record["_concord_updated"] = t0
                record["_concord_version"] = version
                record["_concord_event_id"] = None
                record["_sdc_deleted_at"] = None
                yield record
        self._advance_bookmark(context, t0)

    def events_sync(self, bookmark: int, context: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        """Apply this stream's events since `bookmark - lookback_seconds`, oldest first.

        Raises `EventsExpiredError` when the bookmark is older than the 30-day retention (a full re-sync is the
        remedy). At the end the bookmark moves to the server time read before the first window, so a quiet
        stream does not age out of the retention window.
        """
        actions = EVENT_ACTIONS[self.name]
        types = sorted(actions)
        _, now = self.fetch("/v1/events", {"limit": 1, "types[]": types})
        oldest = now - EVENT_RETENTION_SECONDS
        if bookmark < oldest:
            raise EventsExpiredError(self.name, bookmark, oldest)
        low = max(bookmark - int(self.config.get("lookback_seconds", 300)), oldest)
        step = int(self.config.get("event_window_seconds", 6 * 3600))
        while True:
            params: dict[str, Any] = {"types[]": types, "created[gte]": low}
            last = low + step > now
            if not last:
                params["created[lt]"] = low + step
            window = list(self.pages("/v1/events", params))
            window.reverse()  # the API lists newest first
            yield from self._apply(window, actions)
            if last:
                break
            low += step
        self._advance_bookmark(context, now)

    def _apply(self, events: list[dict[str, Any]], actions: dict[str, Action]) -> Iterator[dict[str, Any]]:
        second, n = -1, 0
        for event in events:
            created = int(event["created"])
            n = n + 1 if created == second else 0
            second = created
            action = actions.get(event["type"])
            obj = (event.get("data") or {}).get("object") or {}
            if action is None or obj.get("object") != self.object_name:
                continue
            record = self.complete(dict(obj)) if action is Action.UPSERT else dict(obj)
            record["_concord_updated"] = created
            record["_concord_version"] = created * VERSION_SCALE + n
            record["_concord_event_id"] = event["id"]
            record["_sdc_deleted_at"] = iso(created) if action is Action.DELETE else None
            yield record

    def _advance_bookmark(self, context: dict[str, Any] | None, now: int) -> None:
        """Move the (not yet promoted) bookmark to `now`: every event up to it has been read and emitted."""
        state = self.get_context_state(context)
        markers = state.setdefault("progress_markers", {"Note": "Progress is not resumable if interrupted."})
        current = markers.get("replication_key_value")
        if current is None or int(current) < now:
            markers["replication_key"] = self.replication_key
            markers["replication_key_value"] = now


def _json_or_none(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


