"""OAuth 2.0 client credentials (machine-to-machine) as NetSuite does it.

The client posts a JWT client assertion signed with the private key of the certificate uploaded to the
integration (`kid` = certificate id, `iss` = client id, `aud` = the token endpoint, `scope` containing
`rest_webservices`, at most one hour between `iat` and `exp`) to `/services/rest/auth/oauth2/v1/token` and
receives a bearer token valid for 60 minutes. Tokens use wall-clock time: they belong to the HTTP session, not to
the simulated company.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt

from concord_sandbox.apis.netsuite.errors import NetSuiteApiError

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
TOKEN_LIFETIME = 3600
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256"]


class InvalidGrantError(NetSuiteApiError):
    """The token request was malformed or its assertion did not verify (OAuth error `invalid_grant`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, "invalid_grant", "Invalid client assertion.")
        self.reason = reason


@dataclass(frozen=True)
class M2MCredentials:
    """The integration's client id and the certificate (id, public key) its assertions are signed for."""

    client_id: str
    certificate_id: str
    public_key_pem: str


@dataclass
class TokenIssuer:
    """Verifies client assertions, issues bearer tokens and checks them; `clock` is injectable for tests."""

    creds: M2MCredentials
    clock: Callable[[], float] = time.time
    _tokens: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def exchange(self, form: dict[str, str], token_url: str) -> dict[str, str]:
        """The token response for a `client_credentials` request, or `InvalidGrantError`."""
        if form.get("grant_type") != "client_credentials":
            raise InvalidGrantError("grant_type must be client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise InvalidGrantError("unsupported client_assertion_type")
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise InvalidGrantError(f"malformed assertion: {exc}") from exc
        if header.get("kid") != self.creds.certificate_id:
            raise InvalidGrantError("unknown certificate id (kid)")
        try:
            claims = jwt.decode(assertion, self.creds.public_key_pem, algorithms=ALGORITHMS, audience=token_url,
                                issuer=self.creds.client_id, options={"require": ["exp", "iat", "iss", "aud"]},
                                leeway=60)
        except jwt.PyJWTError as exc:
            raise InvalidGrantError(f"assertion rejected: {exc}") from exc
        scope = claims.get("scope", "")
        scopes = scope if isinstance(scope, list) else str(scope).replace(",", " ").split()
        if "rest_webservices" not in scopes:
            raise InvalidGrantError("scope must include rest_webservices")
        if int(claims["exp"]) - int(claims["iat"]) > TOKEN_LIFETIME:
            raise InvalidGrantError("assertion lifetime exceeds one hour")
        token = secrets.token_urlsafe(48)
        with self._lock:
            now = self.clock()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + TOKEN_LIFETIME
        return {"access_token": token, "expires_in": str(TOKEN_LIFETIME), "token_type": "bearer"}

    def valid(self, token: str) -> bool:
        """Whether `token` was issued here and has not expired."""
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and expires > self.clock()
