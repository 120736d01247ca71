"""The base stream for Salesforce sObjects: `queryAll` with `nextRecordsUrl` pages, auth, errors, backoff.

Contract:
* Records come ordered by (`SystemModstamp`, `Id`) from `SystemModstamp >= bookmark`, so the SDK's sorted
  bookmark never covers a record not yet emitted, and a record sharing the bookmark's timestamp is re-read
  rather than lost (the loader keeps the highest version; re-reads are harmless).
* Deleted and merged records arrive with `_sdc_deleted_at` = their `SystemModstamp` (the deletion time).
* Errors are classified once, in `validate_response`: 429, 5xx, 401 (after dropping the token) and bodies that
  are not complete JSON are retried with exponential backoff and full jitter; REQUEST_LIMIT_EXCEEDED ends the
  run cleanly with its state; a rejected query fails fast naming stream and query.
"""

from __future__ import annotations

import random
import time
from collections.abc import Generator, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.singerlib.encoding.simple import RecordMessage
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_salesforce.auth import server_time
from tap_salesforce.errors import (
    ApiRequestError,
    BookmarkTooOldError,
    QueryRejectedError,
    RequestLimitExceededError,
)
from tap_salesforce.redact import REDACTOR
from tap_salesforce.schema import DELETED_AT, datetime_fields, sobject_schema

if TYPE_CHECKING:
    from tap_salesforce.tap import TapSalesforce

_REJECTED_QUERY = {"MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR"}
_PARSED = "_concord_json"
SYNCED_AT = "synced_through"  # stream state: server time when the last complete pass started
PASS_STARTED = "pass_started_at"  # stream state: server time when the interrupted pass started


class NextRecordsUrlPaginator(BaseAPIPaginator[str | None]):
    """Follows `nextRecordsUrl` until `done`."""

    def __init__(self) -> None:
        super().__init__(None)

    def get_next(self, response: requests.Response) -> str | None:
        payload = getattr(response, _PARSED)
        return None if payload.get("done", True) else payload.get("nextRecordsUrl")


class SalesforceStream(RESTStream[str | None]):
    """One sObject, extracted incrementally by `SystemModstamp` through `queryAll`."""

    primary_keys = ("Id",)
    replication_key = "SystemModstamp"
    is_sorted = True
    # Records come straight from typed JSON; the SDK's recursive conformance would double the per-record cost.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    sobject: str = ""

    def __init__(self, tap: TapSalesforce, describe: dict[str, Any]) -> None:
        self.describe = describe
        self._datetimes = datetime_fields(describe)
        self._has_is_deleted = any(f["name"] == "IsDeleted" for f in describe["fields"])
        super().__init__(tap=tap, name=self.sobject or describe["name"], schema=sobject_schema(describe),
                         path="/queryAll")
        self._soql = ""
        self._query_started_at: datetime | None = None
        self._page_time: datetime | None = None
        self._page_last: dict[str, Any] | None = None
        self._plain_output: bool | None = None

    # -- requests ---------------------------------------------------------------------------------------------
    @property
    def session(self) -> Any:
        return self._tap.salesforce_session  # type: ignore[attr-defined]

    @property
    def url_base(self) -> str:
        return f"{self.session.instance_url}/services/data/v{self.config['api_version']}"

    @property
    def authenticator(self) -> Any:
        return self.session

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Sforce-Query-Options": f"batchSize={int(self.config['batch_size'])}", "Accept": "application/json"}

    def get_new_paginator(self) -> NextRecordsUrlPaginator:
        return NextRecordsUrlPaginator()

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """The first page runs the stream's SOQL; later pages follow `nextRecordsUrl` verbatim."""
        if page.next_page_token:
            return HTTPRequest(url=self.session.instance_url + page.next_page_token, method="GET",
                               headers=self.http_headers, params={}, data=None)
        return HTTPRequest(url=self.get_url(page.stream_context), method="GET", headers=self.http_headers,
                           params={"q": self.soql(page.stream_context)}, data=None)

    def soql(self, context: Context | None) -> str:
        """The stream's query: the selected fields from the bookmark on, in replication order."""
        wanted = {"Id", "SystemModstamp", "IsDeleted"}
        fields = [name for name in self.effective_schema["properties"] if name != DELETED_AT
                  and (name in wanted or self.mask.get(("properties", name), True))]
        where = ""
        start = self.get_starting_timestamp(context)
        if start is not None:
            where = f" WHERE SystemModstamp >= {start.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z"
        self._soql = f"SELECT {', '.join(fields)} FROM {self.describe['name']}{where} ORDER BY SystemModstamp ASC, Id ASC"
        return self._soql

    # -- errors and retries --------------------------------------------------------------------------------------
    def validate_response(self, response: requests.Response) -> None:
        """Classify a response: parse a 2xx body (retry if incomplete), retry transient errors, fail the rest."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                payload = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise RetriableAPIError(f"Stream {self.name}: incomplete response body ({exc})", response) from exc
            if not isinstance(payload, dict) or "records" not in payload:
                raise RetriableAPIError(f"Stream {self.name}: response without records", response)
            setattr(response, _PARSED, payload)
            if self._query_started_at is None:
                self._query_started_at = server_time(response.headers.get("Date"))
            return
        error_code, message = _error_of(response)
        if status == 401:
            self.session.invalidate(_bearer(response.request))
            raise RetriableAPIError(f"Stream {self.name}: session expired ({error_code}); logging in again", response)
        if status == 429:
            self._honour_retry_after(response)
        if status == 429 or status >= 500 or error_code in ("SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"):
            raise RetriableAPIError(f"Stream {self.name}: HTTP {status} {error_code or response.reason}", response)
        if error_code == "REQUEST_LIMIT_EXCEEDED":
            raise RequestLimitExceededError(self.name, message)
        if error_code in _REJECTED_QUERY:
            raise QueryRejectedError(self.name, self._soql, error_code, message)
        raise ApiRequestError(self.name, status, error_code or response.reason, message)

    def _honour_retry_after(self, response: requests.Response) -> None:
        """Wait what a 429's `Retry-After` asks (capped at `backoff_max_seconds`) before the jittered backoff."""
        value = response.headers.get("Retry-After", "")
        if value.isdigit():
            time.sleep(min(float(value), float(self.config.get("backoff_max_seconds", 60.0))))

    def backoff_wait_generator(self) -> Generator[float, None, None]:
        """Exponential waits from `backoff_base_seconds`, capped at `backoff_max_seconds` (jitter applied after)."""
        base = float(self.config.get("backoff_base_seconds", 1.0))
        cap = float(self.config.get("backoff_max_seconds", 60.0))
        n = 0
        while True:
            yield min(cap, base * 2**n)
            n += 1

    def backoff_jitter(self, value: float) -> float:
        """Full jitter: a uniform wait in [0, value], so parallel clients do not retry in lockstep."""
        return random.uniform(0, value)

    def backoff_max_tries(self) -> int:
        return int(self.config.get("max_retries", 8))

    def backoff_handler(self, details: Any) -> None:
        exc = details.get("exception")
        self.logger.warning("Stream %s: retry %d in %.2f s after %s", self.name, details.get("tries", 0),
                            details.get("wait", 0.0), REDACTOR.redact(f"{type(exc).__name__}: {exc}"))

    def response_error_message(self, response: requests.Response) -> str:
        code, message = _error_of(response)
        return REDACTOR.redact(f"Stream {self.name}: HTTP {response.status_code} {code}: {message}")

    # -- records -------------------------------------------------------------------------------------------------
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The stream's records; stops cleanly (state kept) when the daily API allocation is used up."""
        if self._tap.limit_reached:  # type: ignore[attr-defined]
            self.logger.warning("Stream %s skipped: the daily API request limit was reached earlier in this run",
                                self.name)
            return
        self._check_recycle_bin(context)
        self._query_started_at = None
        state = self.get_context_state(context)
        try:
            for record in self.request_records(context):
                if PASS_STARTED not in state and self._query_started_at is not None:
                    state[PASS_STARTED] = self._query_started_at.isoformat()
                yield record
        except RequestLimitExceededError as exc:
            self._tap.limit_reached = True  # type: ignore[attr-defined]
            self.logger.warning("%s; ending the run with the state reached so far (resume in the next run)", exc)
            return
        started = state.pop(PASS_STARTED, None) or (
            self._query_started_at.isoformat() if self._query_started_at else None)
        if started:
            # Every change before this instant has now been read: the recycle bin must still hold whatever is
            # deleted after it when the next run starts.
            state[SYNCED_AT] = started

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        records: list[dict[str, Any]] = getattr(response, _PARSED)["records"]
        self._page_time = datetime.now(UTC)
        self._page_last = records[-1] if records else None
        return records

    # -- the per-record path (the SDK's generic steps cost more than the rest of the tap together) ------------
    def _increment_stream_state(self, latest_record: dict[str, Any], *, context: Context | None = None) -> None:
        """Advance the bookmark once per page, at its last record: records are sorted, so that record carries
        the page's highest version, and a STATE written mid-page lags (never leads) what was emitted."""
        if latest_record is self._page_last:
            super()._increment_stream_state(latest_record, context=context)

    def _process_record(self, record: dict[str, Any], child_context: Context | None = None,
                        partition_context: Context | None = None) -> None:
        """No child streams and no partitions: nothing to add to a record or to sync beneath it."""
        if self.child_streams or partition_context:
            super()._process_record(record, child_context, partition_context)

    def _generate_record_messages(self, record: dict[str, Any]) -> Generator[RecordMessage, None, None]:
        """With every property selected and no stream maps, the record goes out as it is."""
        if self._plain_output is None:
            self._plain_output = self._is_plain_output()
        if not self._plain_output:
            yield from super()._generate_record_messages(record)
            return
        yield RecordMessage(stream=self.name, record=record, version=self._stream_version,
                            time_extracted=self._page_time)

    def _is_plain_output(self) -> bool:
        maps = self.stream_maps
        identity = (len(maps) == 1 and type(maps[0]) is SameRecordTransform and not maps[0].flattening_enabled
                    and maps[0].stream_alias == self.name)
        mask = self.mask
        everything = all(mask.get(("properties", name), True) for name in self.effective_schema["properties"])
        return identity and everything

    def post_process(self, row: dict[str, Any], context: Context | None = None) -> dict[str, Any] | None:
        """Drop `attributes`, make datetimes RFC 3339, flag deletions with `_sdc_deleted_at`."""
        row.pop("attributes", None)
        for name in self._datetimes:
            value = row.get(name)
            if value and value[-5] in "+-" and value[-3] != ":":
                row[name] = f"{value[:-2]}:{value[-2:]}"
        row[DELETED_AT] = row["SystemModstamp"] if row.get("IsDeleted") else None
        return row

    def _check_recycle_bin(self, context: Context | None) -> None:
        """Fail if records deleted after rows this state has already read may have left the recycle bin.

        The reference is the start of the last complete pass (`synced_through`), else the start of the
        interrupted pass being resumed (`pass_started_at`), else (a state from elsewhere) the bookmark itself.
        """
        state = self.get_context_state(context)
        bookmark = state.get("replication_key_value")
        if not bookmark:
            return  # a first sync (from start_date) sees whatever the recycle bin still holds
        reference = state.get(SYNCED_AT) or state.get(PASS_STARTED) or str(bookmark)
        days = int(self.config.get("recycle_bin_days", 15))
        cutoff = self.session.server_now() - timedelta(days=days)
        if datetime.fromisoformat(reference) < cutoff:
            raise BookmarkTooOldError(self.name, reference, cutoff.isoformat(), days)


def _error_of(response: requests.Response) -> tuple[str, str]:
    """The vendor's (errorCode, message) from an error body, or ("", reason)."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return "", REDACTOR.redact(response.reason or "")
    item = body[0] if isinstance(body, list) and body else body
    if isinstance(item, dict):
        return str(item.get("errorCode", item.get("error", ""))), REDACTOR.redact(
            str(item.get("message", item.get("error_description", ""))))
    return "", REDACTOR.redact(response.reason or "")


def _bearer(request: requests.PreparedRequest | None) -> str | None:
    header = (request.headers.get("Authorization") if request is not None else None) or ""
    return header.removeprefix("Bearer ") or None
