"""OAuth 2.0 for the emulator: the client-credentials and username-password grants, Bearer sessions.

Sessions last `session_seconds` of wall-clock time (Salesforce's default timeout is two hours); an expired,
revoked or unknown token gets 401 INVALID_SESSION_ID, as the vendor answers.
"""

from __future__ import annotations

import hmac
import secrets
import string
import threading
import time
from collections.abc import Mapping

from concord_sandbox.apis.salesforce.errors import SalesforceApiError

ORG_ID = "00DDn0000000001"
_ALPHABET = string.ascii_letters + string.digits


class OAuthError(Exception):
    """A rejected token request: OAuth's `error` and `error_description` (HTTP 400)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description = error, description


def invalid_session() -> SalesforceApiError:
    return SalesforceApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


class Sessions:
    """Issued access tokens and their expiry; thread-safe."""

    def __init__(self, credentials: Mapping[str, str], session_seconds: float = 7200.0) -> None:
        self.credentials = dict(credentials)
        self.session_seconds = session_seconds
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def grant(self, form: Mapping[str, str], instance_url: str) -> dict[str, str]:
        """Check a token request (client credentials, or password + security token) and issue a session."""
        grant_type = form.get("grant_type", "")
        if grant_type not in ("client_credentials", "password"):
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        creds = self.credentials
        if not _same(form.get("client_id"), creds["client_id"]):
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if not _same(form.get("client_secret"), creds["client_secret"]):
            raise OAuthError("invalid_client", "invalid client credentials")
        if grant_type == "password":
            password = form.get("password")
            good = (_same(form.get("username"), creds["username"])
                    and (_same(password, creds["password"])
                         or _same(password, creds["password"] + creds["security_token"])))
            if not good:
                raise OAuthError("invalid_grant", "authentication failure")
        token = f"{ORG_ID}!" + "".join(secrets.choice(_ALPHABET) for _ in range(96))
        issued = time.time()
        with self._lock:
            self._tokens[token] = issued + self.session_seconds
            self.issued += 1
            if len(self._tokens) > 10_000:
                self._tokens = {t: exp for t, exp in self._tokens.items() if exp > issued}
        return {"access_token": token, "instance_url": instance_url,
                "id": f"{instance_url}/id/{ORG_ID}AAA/005Dn0000000001IAA", "token_type": "Bearer",
                "issued_at": str(int(issued * 1000)), "scope": "api",
                "signature": secrets.token_urlsafe(32)}

    def check(self, authorization: str | None) -> None:
        """Accept a live `Authorization: Bearer <token>` (or `OAuth <token>`); otherwise INVALID_SESSION_ID."""
        if not authorization:
            raise invalid_session()
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            raise invalid_session()
        with self._lock:
            expires = self._tokens.get(token.strip())
        if expires is None or expires < time.time():
            raise invalid_session()

    def known_tokens(self) -> list[str]:
        """Every token issued and not yet pruned (tests check that none leaks into logs)."""
        with self._lock:
            return list(self._tokens)

    def revoke(self, token: str) -> None:
        """End a session (`POST /services/oauth2/revoke`)."""
        with self._lock:
            self._tokens.pop(token, None)

    def expire_all(self) -> None:
        """End every session (tests use this to exercise a client's token refresh)."""
        with self._lock:
            self._tokens.clear()
