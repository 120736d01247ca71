"""The base stream for SuiteQL: auth, paging with the result cap, error classification, backoff, deletions.

Paging: a query window is read with `limit`/`offset` ordered by (`lastmodifieddate`, key); when the next page
would pass NetSuite's per-query result cap (100,000; `max_query_results`) or the server stops short of
`totalResults`, a new window starts strictly after the last emitted row's (timestamp, key) with the offset
reset. The key breaks ties between rows sharing one second, so there is no gap and no endless loop however
many rows share a timestamp.

Versions and deletions: every record carries `_concord_version` (its `lastmodifieddate`, for lines the parent
transaction's). Rows of `deletedrecord` for the stream's record types follow the live rows as records with
`_sdc_deleted_at` set; they have their own bookmark (`deletions_bookmark` in the stream state), advanced only
after they are all emitted, and never move the replication-key bookmark.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, ClassVar

import backoff
import orjson
import requests
import singer_sdk.singerlib as singer
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream

from tap_netsuite.auth import build_auth
from tap_netsuite.columns import DATETIME_FORMAT, Column, to_datetime
from tap_netsuite.errors import NetSuiteAuthError, NetSuiteQueryError, NetSuiteRetriableError, QueryCapError

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
DELETED_AT = "_sdc_deleted_at"
VERSION = "_concord_version"
_PAYLOAD = "_netsuite_payload"


def default_base_url(account_id: str) -> str:
    """The SuiteTalk REST host of a real account: 1234567_SB1 → https://1234567-sb1.suitetalk.api.netsuite.com."""
    return f"https://{account_id.lower().replace('_', '-')}.suitetalk.api.netsuite.com"


def suiteql_timestamp(value: str) -> str:
    """An ISO-8601 bookmark or start date as SuiteQL's 'YYYY-MM-DD HH24:MI:SS' (UTC)."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _ts(text: str) -> str:
    return f"TO_TIMESTAMP('{text}', '{DATETIME_FORMAT}')"


class NetSuiteStream(RESTStream[Any]):
    """A stream read with SuiteQL. Subclasses declare `table`, `alias`, `columns`, `key_columns` and filters."""

    path = SUITEQL_PATH
    http_method = "POST"
    replication_key = "lastmodifieddate"
    is_sorted = True
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # records are typed by the column converters

    table: ClassVar[str]
    alias: ClassVar[str]
    columns: ClassVar[list[Column]]
    key_columns: ClassVar[list[Column]]  # unique, stable order after the timestamp
    modified_expr: ClassVar[str]  # the SuiteQL timestamp that versions a row
    joins: ClassVar[str] = ""
    filters: ClassVar[list[str]] = []
    deleted_record_types: ClassVar[tuple[str, ...]] = ()

    STATE_EVERY = 1000  # live records between bookmark updates (the last record of a sync always updates it)

    # --- configuration -------------------------------------------------------------------------------------
    @property
    def url_base(self) -> str:
        base = self.config.get("base_url") or default_base_url(str(self.config["account_id"]))
        return str(base).rstrip("/")

    @property
    def schema(self) -> dict[str, Any]:
        cached: dict[str, Any] | None = self.__dict__.get("_schema_cache")
        if cached is None:
            cached = self.__dict__["_schema_cache"] = self.build_schema()
        return cached

    def build_schema(self) -> dict[str, Any]:
        """The stream's JSON schema: the typed columns plus the version and deletion properties."""
        properties = {c.name: c.schema() for c in self.columns}
        properties[VERSION] = {"type": ["string", "null"], "format": "date-time",
                               "description": "The record version the loader orders by."}
        properties[DELETED_AT] = {"type": ["string", "null"], "format": "date-time",
                                  "description": "Set when the record was deleted in NetSuite (deletedrecord)."}
        return {"type": "object", "properties": properties}

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size") or 1000)

    @property
    def max_query_results(self) -> int:
        return int(self.config.get("max_query_results") or 100_000)

    @property
    def authenticator(self) -> Any:
        tap = self._tap
        auth = getattr(tap, "_netsuite_auth", None)
        if auth is None:
            auth = build_auth(self.config, self.url_base)
            tap._netsuite_auth = auth  # one signer (and one OAuth 2.0 token) for all streams
        return auth

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Prefer": "transient", "Content-Type": "application/json", "Accept": "application/json"}

    # --- resilience ----------------------------------------------------------------------------------------
    def validate_response(self, response: requests.Response) -> None:
        """Classify a response: retry 429/5xx and truncated bodies; fail fast on other errors, naming the query."""
        query = getattr(response.request, "_netsuite_query", "") if response.request is not None else ""
        status = response.status_code
        if status == 429 or status >= 500:
            raise NetSuiteRetriableError(self.name, f"HTTP {status} {_error_code(response)}", response)
        if status >= 400:
            code, detail = _error_code(response), _error_detail(response)
            error = NetSuiteAuthError if status in (401, 403) else NetSuiteQueryError
            raise error(self.name, query, status, code, detail)
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise NetSuiteRetriableError(self.name, f"truncated or malformed response body ({exc})",
                                         response) from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
            raise NetSuiteRetriableError(self.name, "response body is not a SuiteQL page", response)
        setattr(response, _PAYLOAD, payload)

    def backoff_wait_generator(self) -> Iterator[float]:
        base = float(self.config.get("retry_base_seconds", 1.0))
        return backoff.expo(base=2, factor=base, max_value=60 * base)  # type: ignore[no-any-return]

    def backoff_max_tries(self) -> int:
        return int(self.config.get("max_retries") or 8)

    def backoff_jitter(self, value: float) -> float:
        return backoff.full_jitter(value)

    def backoff_handler(self, details: Any) -> None:
        exc = details.get("exception")
        self.logger.warning("stream %s: retrying after %.2f s (attempt %d): %s", self.name, details.get("wait", 0),
                            details.get("tries", 0), type(exc).__name__ if exc is None else str(exc)[:300])

    # --- paging --------------------------------------------------------------------------------------------
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        payload = getattr(response, _PAYLOAD, None) or orjson.loads(response.content)
        return payload["items"]  # type: ignore[no-any-return]

    def get_new_paginator(self) -> None:
        return None

    def fetch_page(self, query: str, offset: int) -> dict[str, Any]:
        """One SuiteQL page (with retries); the payload as validated."""
        request = self.build_prepared_request(method="POST", url=self.url_base + SUITEQL_PATH,
                                              params={"limit": self.page_size, "offset": offset},
                                              headers=self.http_headers,
                                              data=orjson.dumps({"q": query}))
        request._netsuite_query = query  # type: ignore[attr-defined]
        response = self.request_decorator(self._request)(request, None)
        return getattr(response, _PAYLOAD)  # type: ignore[no-any-return]

    def paginate(self, build_query: Any, key_names: list[str]) -> Iterator[dict[str, Any]]:
        """Every item of a query, across offset pages and cap windows (`build_query(after)`, `after` = the
        (timestamp, *key) tuple of the last item, None for the first window). The next page of a window is
        requested in a background thread while this one's items are processed (one request in flight)."""
        after: tuple[str, ...] | None = None
        cap, size = self.max_query_results, self.page_size
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"tap-netsuite-{self.name}") as prefetch:
            while True:
                query = build_query(after)
                offset, last, restart = 0, None, False
                pending = prefetch.submit(self.fetch_page, query, offset)
                while pending is not None:
                    payload = pending.result()
                    self._extracted_at = utc_now()
                    items = payload["items"]
                    offset += len(items)
                    pending = None
                    if not payload.get("hasMore"):
                        restart = bool(items) and int(payload.get("totalResults", offset)) > offset
                    elif offset + size > cap:
                        restart = True
                    else:
                        pending = prefetch.submit(self.fetch_page, query, offset)
                    if items:
                        last = items[-1]
                    yield from items
                if not restart:
                    return
                if last is None:
                    raise QueryCapError(self.name, query)
                after = tuple(str(last[k]) for k in key_names)
                self.logger.info("stream %s: query result cap reached; continuing after %s", self.name, after)

    def keyset_filter(self, after: tuple[str, ...]) -> str:
        """Rows strictly after (timestamp, *key) in the stream's order, written so an index range still serves
        the ORDER BY (`ts >= x AND (ts > x OR key > k)`)."""
        ts, *keys = after
        key_cond = ""
        for n in range(len(self.key_columns) - 1, -1, -1):
            col, value = self.key_columns[n], keys[n]
            literal = value if col.kind == "integer" else "'" + value.replace("'", "''") + "'"
            greater = f"{col.expr} > {literal}"
            key_cond = greater if not key_cond else f"({greater} OR ({col.expr} = {literal} AND {key_cond}))"
        return f"{self.modified_expr} >= {_ts(ts)} AND ({self.modified_expr} > {_ts(ts)} OR {key_cond})"

    def build_query(self, start: str, after: tuple[str, ...] | None) -> str:
        """The SuiteQL of one window: live rows modified at or after `start` (and after `after`)."""
        where = [*self.filters, f"{self.modified_expr} >= {_ts(start)}"]
        if after is not None:
            where.append(self.keyset_filter(after))
        order = ", ".join([self.modified_expr, *(c.expr for c in self.key_columns)])
        return (f"SELECT {', '.join(c.select() for c in self.columns)} FROM {self.table} {self.alias}"
                f"{(' ' + self.joins) if self.joins else ''} WHERE {' AND '.join(where)} ORDER BY {order}")

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        """Live rows since the bookmark, then deletions since the deletions bookmark."""
        start_value = self.get_starting_replication_key_value(context) or self.config.get("start_date")
        start = suiteql_timestamp(str(start_value or "2000-01-01T00:00:00Z"))
        mask = self.mask
        selected = [c for c in self.columns if mask.get(("properties", c.name), True) or c.name in self.key_names]
        names = [c.name for c in selected]
        typed = [(c.name, c.convert) for c in selected if c.kind != "string"]
        key_names = ["lastmodifieddate", *(c.name for c in self.key_columns)]
        last = None
        for item in self.paginate(lambda after: self.build_query(start, after), key_names):
            get = item.get
            record = {name: get(name) for name in names}
            for name, convert in typed:
                value = record[name]
                if value is not None:
                    record[name] = convert(value)
            record[VERSION] = record["lastmodifieddate"]
            record[DELETED_AT] = None
            last = record
            yield record
        if last is not None:  # the bookmark catches up with the last live record, now that it is emitted
            super()._increment_stream_state(last, context=context)
        if self.deleted_record_types:
            yield from self.deletions(context)

    def deletions(self, context: Any) -> Iterator[dict[str, Any]]:
        """Deletion records from `deletedrecord` strictly after the deletions bookmark (deleteddate, id), which
        moves past them once they are all emitted (ids grow with time, so the pair is a total order)."""
        state = self.get_context_state(context)
        since = state.get("deletions_bookmark") or self.config.get("start_date") or "2000-01-01T00:00:00Z"
        start = suiteql_timestamp(str(since))
        types = ", ".join(f"'{t}'" for t in self.deleted_record_types)
        first_after = (start, str(state["deletions_after_id"])) if "deletions_after_id" in state else None

        def query(after: tuple[str, ...] | None) -> str:
            where = f"d.recordtypename IN ({types}) AND d.deleteddate >= {_ts(start)}"
            after = after or first_after
            if after is not None:
                where += (f" AND d.deleteddate >= {_ts(after[0])} AND (d.deleteddate > {_ts(after[0])}"
                          f" OR d.id > {int(after[1])})")
            return ("SELECT d.id AS id, d.recordid AS recordid, d.recordtypename AS recordtypename, "
                    f"d.externalid AS externalid, TO_CHAR(d.deleteddate, '{DATETIME_FORMAT}') AS deleteddate "
                    f"FROM deletedrecord d WHERE {where} ORDER BY d.deleteddate, d.id")

        latest: tuple[str, int] | None = None
        for item in self.paginate(query, ["deleteddate", "id"]):
            deleted_at = to_datetime(item["deleteddate"])
            latest = (deleted_at, int(item["id"]))
            yield self.deletion_record(item, deleted_at)
        if latest is not None:
            state["deletions_bookmark"], state["deletions_after_id"] = latest

    def deletion_record(self, item: dict[str, Any], deleted_at: str) -> dict[str, Any]:
        """The record announcing that `item` (a deletedrecord row) was deleted; keyed like live records."""
        record: dict[str, Any] = dict.fromkeys(self.schema["properties"])
        record.update({"id": int(item["recordid"]), "externalid": item.get("externalid"),
                       "lastmodifieddate": deleted_at, VERSION: deleted_at, DELETED_AT: deleted_at})
        if "recordtype" in record:
            record["recordtype"] = item["recordtypename"]
        return record

    @property
    def key_names(self) -> set[str]:
        return {"lastmodifieddate", *self.primary_keys, *(c.name for c in self.key_columns)}

    def _increment_stream_state(self, latest_record: dict[str, Any], *, context: Any = None) -> None:
        # Deletions have their own bookmark; letting their times move the live bookmark could skip live rows.
        # Live records move it every STATE_EVERY records (the SDK's bookkeeping costs as much as emitting a
        # record); it lags, never leads, and get_records brings it up to the last record at the end.
        if latest_record.get(DELETED_AT) is None:
            self._since_state = getattr(self, "_since_state", 0) + 1
            if self._since_state >= self.STATE_EVERY:
                self._since_state = 0
                super()._increment_stream_state(latest_record, context=context)

    def _generate_record_messages(self, record: dict[str, Any]) -> Iterator[singer.RecordMessage]:
        # Records hold only selected properties, already typed by the column converters, so the SDK's
        # per-record deselection walk and type conformance are skipped; stream maps still apply.
        # time_extracted is when the record's page arrived.
        extracted = getattr(self, "_extracted_at", None) or utc_now()
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(stream=stream_map.stream_alias, record=mapped,
                                           version=self._stream_version, time_extracted=extracted)

    def _process_record(self, record: dict[str, Any], child_context: Any = None,
                        partition_context: Any = None) -> None:
        # Only child streams and partitions need the SDK's per-record context work; these streams have neither.
        if self.child_streams or partition_context:
            super()._process_record(record, child_context=child_context, partition_context=partition_context)


def _error_payload(response: requests.Response) -> dict[str, Any]:
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    details = payload.get("o:errorDetails") if isinstance(payload, dict) else None
    return details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}


def _error_code(response: requests.Response) -> str:
    return str(_error_payload(response).get("o:errorCode") or response.reason or "")


def _error_detail(response: requests.Response) -> str:
    return str(_error_payload(response).get("detail") or response.text[:500])


logging.getLogger("backoff").setLevel(logging.ERROR)
