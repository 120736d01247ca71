"""OAuth 2.0 sessions for Salesforce: client-credentials or username-password flow, refreshed on 401.

One `SalesforceSession` is shared by all streams of a run. It is a `requests` auth object: it adds the
Bearer token to each request, fetching one first if needed; `invalidate()` (called on 401
INVALID_SESSION_ID) makes the next request fetch a new one. The token response's `Date` header gives the
server's clock, which decides whether a bookmark is still inside the recycle bin.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests
from requests.auth import AuthBase

from tap_salesforce.errors import AuthenticationError, DescribeError
from tap_salesforce.redact import REDACTOR

TOKEN_PATH = "/services/oauth2/token"
_RETRIABLE_STATUS = {429, 500, 502, 503, 504}


def server_time(date_header: str | None) -> datetime | None:
    """The time in an HTTP `Date` header; with several values (a proxy added its own), the earliest."""
    if not date_header:
        return None
    times = []
    parts = [p.strip() for p in date_header.split(",")]
    # An RFC 1123 date contains one comma ("Thu, 01 Jan 2026 00:00:00 GMT"): rejoin pairs.
    for i in range(0, len(parts) - 1, 2):
        try:
            times.append(parsedate_to_datetime(f"{parts[i]}, {parts[i + 1]}"))
        except (TypeError, ValueError):
            continue
    return min(times) if times else None


class SalesforceSession(AuthBase):
    """The run's access token and instance URL; thread-safe."""

    def __init__(self, config: Mapping[str, Any], http: requests.Session | None = None) -> None:
        self.config = config
        self.http = http or requests.Session()
        self.login_url = str(config.get("login_url") or config.get("instance_url") or "").rstrip("/")
        self._token: str | None = None
        self._instance_url: str | None = str(config["instance_url"]).rstrip("/") if config.get("instance_url") else None
        self._server_time: datetime | None = None
        self._lock = threading.Lock()
        self.refreshes = 0
        for key in ("client_id", "client_secret", "password", "security_token"):
            REDACTOR.add(config.get(key))

    @property
    def instance_url(self) -> str:
        """The org's base URL: configured, or from the token response."""
        if self._instance_url is None:
            self.token()
        assert self._instance_url is not None
        return self._instance_url

    def server_now(self) -> datetime:
        """The server's clock at the last login (the `Date` header), or this machine's clock."""
        if self._server_time is None:
            self.token()
        return self._server_time or datetime.now(UTC)

    def token(self) -> str:
        """A valid access token, logging in if there is none."""
        with self._lock:
            if self._token is None:
                self._login()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (if it is still `token`) so the next request logs in again."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def get_json(self, url: str, what: str) -> Any:
        """GET a JSON document with the session: retries transient failures (429, 5xx, resets, incomplete
        bodies) with jittered exponential backoff and logs in again after a 401."""
        attempts = int(self.config.get("max_retries") or 8)
        base = float(self.config.get("backoff_base_seconds") or 1.0)
        problem = ""
        for attempt in range(attempts):
            try:
                response = self.http.get(url, auth=self, timeout=60)
                if response.status_code == 200:
                    return orjson.loads(response.content)
                problem = f"HTTP {response.status_code}: {REDACTOR.redact(response.text[:300])}"
                if response.status_code == 401:
                    self.invalidate()
                elif response.status_code not in _RETRIABLE_STATUS:
                    break
            except (requests.RequestException, orjson.JSONDecodeError) as exc:
                problem = REDACTOR.redact(f"{type(exc).__name__}: {exc}")
            time.sleep(random.uniform(0, base * 2**attempt))
        raise DescribeError(what, url, problem)

    def _form(self) -> dict[str, str]:
        cfg = self.config
        form = {"client_id": cfg["client_id"], "client_secret": cfg["client_secret"]}
        if cfg.get("username"):
            form |= {"grant_type": "password", "username": cfg["username"],
                     "password": f"{cfg.get('password') or ''}{cfg.get('security_token') or ''}"}
        else:
            form["grant_type"] = "client_credentials"
        return form

    def _login(self) -> None:
        url = self.login_url + TOKEN_PATH
        attempts = int(self.config.get("max_retries") or 8)
        base = float(self.config.get("backoff_base_seconds") or 1.0)
        for attempt in range(attempts):
            try:
                response = self.http.post(url, data=self._form(), timeout=60)
                response.content  # noqa: B018 - read the body inside the retry loop
            except requests.RequestException:
                if attempt + 1 == attempts:
                    raise
            else:
                if response.status_code not in _RETRIABLE_STATUS:
                    break
            time.sleep(random.uniform(0, base * 2**attempt))
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.status_code != 200 or "access_token" not in payload:
            raise AuthenticationError(url, str(payload.get("error", response.status_code)),
                                      REDACTOR.redact(str(payload.get("error_description", response.reason))))
        self._token = payload["access_token"]
        REDACTOR.add(self._token)
        if self._instance_url is None:
            self._instance_url = str(payload["instance_url"]).rstrip("/")
        self._server_time = server_time(response.headers.get("Date"))
        self.refreshes += 1
