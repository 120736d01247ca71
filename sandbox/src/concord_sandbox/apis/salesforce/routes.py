"""The HTTP surface: `/services/oauth2/*` and `/services/data/vXX.X/…`, dispatched in one place.

Every data request is authenticated (Bearer session), counted against the daily allocation
(`Sforce-Limit-Info`) and answered with the simulated clock in its `Date` header. Handlers run in the
thread pool, since they read and write SQLite synchronously.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from concord_sandbox.apis.salesforce import records
from concord_sandbox.apis.salesforce.auth import OAuthError, Sessions
from concord_sandbox.apis.salesforce.collections_api import update_collection, upsert_collection
from concord_sandbox.apis.salesforce.errors import SalesforceApiError, not_found
from concord_sandbox.apis.salesforce.limits import ApiUsage
from concord_sandbox.apis.salesforce.objects import SObject
from concord_sandbox.apis.salesforce.query import QueryRunner, batch_size
from concord_sandbox.errors import InvalidWriteError, RecordNotFoundError
from concord_sandbox.store import Store

VERSIONS = ("59.0", "60.0", "61.0", "62.0")
_RELEASES = {"59.0": "Winter '24", "60.0": "Spring '24", "61.0": "Summer '24", "62.0": "Winter '25"}
_VERSION = re.compile(r"^v(\d+\.\d)$")
JSON = "application/json;charset=UTF-8"


@dataclass
class Reply:
    """A handler's answer: status, JSON body (already encoded) and extra headers."""

    status: int
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, value: Any) -> Reply:
    return Reply(status, orjson.dumps(value))


@dataclass
class SalesforceApi:
    """The emulator's state shared by all requests: store, sObjects, sessions, usage, query cursors."""

    store: Store
    sobjects: dict[str, SObject]
    sessions: Sessions
    usage: ApiUsage
    runner: QueryRunner

    # -- ASGI endpoints ------------------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        """`POST /services/oauth2/token`: client-credentials or password grant (form or query parameters)."""
        body = await request.body()
        form = dict(parse_qsl(body.decode("utf-8", "replace"))) | dict(request.query_params)
        instance_url = str(request.base_url).rstrip("/")
        try:
            payload = self.sessions.grant(form, instance_url)
        except OAuthError as exc:
            return self._response(_json(400, {"error": exc.error, "error_description": exc.description}))
        return self._response(_json(200, payload))

    async def revoke(self, request: Request) -> Response:
        """`POST /services/oauth2/revoke`: end the session named by `token`."""
        body = await request.body()
        form = dict(parse_qsl(body.decode("utf-8", "replace"))) | dict(request.query_params)
        self.sessions.revoke(form.get("token", ""))
        return self._response(Reply(200))

    async def data(self, request: Request) -> Response:
        """Everything under `/services/data`."""
        body = await request.body() if request.method in ("POST", "PATCH", "PUT") else b""
        reply = await run_in_threadpool(self._dispatch, request.method, request.path_params["rest"],
                                        dict(request.query_params), request.headers, body)
        return self._response(reply)

    def _response(self, reply: Reply) -> Response:
        headers = {"Date": formatdate(self.store.now(), usegmt=True), **reply.headers}
        if reply.body is None:
            return Response(status_code=reply.status, headers=headers)
        return Response(reply.body, status_code=reply.status, headers=headers, media_type=JSON)

    # -- dispatch --------------------------------------------------------------------------------------------
    def _dispatch(self, method: str, rest: str, params: dict[str, str], headers: Any, body: bytes) -> Reply:
        parts = [p for p in rest.split("/") if p]
        if not parts:
            return _json(200, [{"label": _RELEASES[v], "url": f"/services/data/v{v}", "version": v}
                               for v in VERSIONS])
        try:
            match = _VERSION.match(parts[0])
            if match is None or match.group(1) not in VERSIONS:
                raise not_found()
            self.sessions.check(headers.get("authorization"))
            limit_info = self.usage.count(self.store.now())
        except SalesforceApiError as exc:
            return Reply(exc.status, orjson.dumps(exc.body()), {"Sforce-Limit-Info": self.usage.header()})
        try:
            reply = self._route(method, match.group(1), parts[1:], params, headers, body)
        except SalesforceApiError as exc:
            reply = Reply(exc.status, orjson.dumps(exc.body()))
        except RecordNotFoundError as exc:
            reply = _json(404, [{"message": str(exc), "errorCode": "NOT_FOUND"}])
        except InvalidWriteError as exc:
            reply = _json(400, [{"message": str(exc), "errorCode": "FIELD_INTEGRITY_EXCEPTION",
                                 "fields": [exc.field]}])
        reply.headers["Sforce-Limit-Info"] = limit_info
        return reply

    def _route(self, method: str, version: str, parts: list[str], params: dict[str, str], headers: Any,
               body: bytes) -> Reply:
        head, rest = (parts[0], parts[1:]) if parts else ("", [])
        if head == "" and method == "GET":
            return _json(200, {name: f"/services/data/v{version}/{name}"
                               for name in ("sobjects", "query", "queryAll", "limits", "composite")})
        if head in ("query", "queryAll") and method == "GET":
            if rest:
                return Reply(200, self.runner.next_page(rest[0], version))
            soql = params.get("q")
            if not soql:
                raise SalesforceApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
            return Reply(200, self.runner.first_page(
                soql, include_deleted=head == "queryAll", now=self.store.now(),
                batch=batch_size(headers.get("sforce-query-options")), version=version))
        if head == "limits" and method == "GET":
            return _json(200, {"DailyApiRequests": {"Max": self.usage.daily_limit,
                                                    "Remaining": self.usage.remaining()}})
        if head == "sobjects":
            return self._sobjects(method, version, rest, params, body)
        if head == "composite" and rest[:1] == ["sobjects"] and method == "PATCH":
            payload = _parse_json(body)
            if len(rest) == 1:
                return _json(200, update_collection(self.store, self.sobjects, payload))
            if len(rest) == 3:
                return _json(200, upsert_collection(self.store, self._sobject(rest[1]), rest[2], payload))
        raise not_found()

    def _sobject(self, name: str) -> SObject:
        sobject = self.sobjects.get(name) or next(
            (o for n, o in self.sobjects.items() if n.lower() == name.lower()), None)
        if sobject is None:
            raise not_found(f"The requested resource does not exist: sObject type '{name}' is not supported.")
        return sobject

    def _sobjects(self, method: str, version: str, rest: list[str], params: dict[str, str], body: bytes) -> Reply:
        if not rest and method == "GET":
            return _json(200, {"encoding": "UTF-8", "maxBatchSize": 200,
                               "sobjects": [o.summary() for o in self.sobjects.values()]})
        if not rest:
            raise not_found()
        sobject = self._sobject(rest[0])
        if len(rest) == 1:
            if method == "GET":
                return _json(200, {"objectDescribe": sobject.summary(), "recentItems": []})
            if method == "POST":
                record_id = records.create_record(self.store, sobject, _fields(_parse_json(body)))
                return _json(201, {"id": record_id, "success": True, "errors": []})
        elif len(rest) == 2 and rest[1] == "describe" and method == "GET":
            return _json(200, sobject.describe())
        elif len(rest) == 2:
            return self._record(method, version, sobject, rest[1], params, body)
        elif len(rest) == 3 and method == "PATCH":
            return self._upsert_one(sobject, rest[1], rest[2], body)
        raise not_found()

    def _record(self, method: str, version: str, sobject: SObject, record_id: str, params: dict[str, str],
                body: bytes) -> Reply:
        if method == "GET":
            return _json(200, self._retrieve(version, sobject, record_id, params.get("fields")))
        if method == "PATCH":
            records.update_record(self.store, sobject, record_id, _fields(_parse_json(body)))
            return Reply(204)
        if method == "DELETE":
            records.delete_record(self.store, sobject, record_id)
            return Reply(204)
        raise not_found()

    def _upsert_one(self, sobject: SObject, external_field: str, value: str, body: bytes) -> Reply:
        fields = _fields(_parse_json(body))
        existing = records.find_by_external_id(self.store, sobject, external_field, value)
        if existing is None:
            created = records.create_record(self.store, sobject, {**fields, external_field: value})
            return _json(201, {"id": created, "success": True, "errors": [], "created": True})
        records.update_record(self.store, sobject, existing, fields)
        return _json(200, {"id": existing, "success": True, "errors": [], "created": False})

    def _retrieve(self, version: str, sobject: SObject, record_id: str, fields: str | None) -> dict[str, Any]:
        wanted = [f.strip() for f in fields.split(",")] if fields else [f.name for f in sobject.fields]
        soql = f"SELECT {', '.join(wanted)} FROM {sobject.name} WHERE Id = '{record_id.replace(chr(39), '')}'"
        page = orjson.loads(self.runner.first_page(soql, include_deleted=False, now=self.store.now(), batch=200,
                                                   version=version))
        if not page["records"]:
            raise not_found()
        return page["records"][0]


def _parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body or b"null")
    except orjson.JSONDecodeError as exc:
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", f"The request body is not valid JSON: {exc}") from exc


def _fields(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise SalesforceApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object of fields")
    return {k: v for k, v in payload.items() if k != "attributes"}
