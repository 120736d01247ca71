"""Request signing for NetSuite: OAuth 1.0a token-based authentication or OAuth 2.0 client credentials.

TBA uses requests-oauthlib's OAuth1 with HMAC-SHA256 and the account id as realm. OAuth 2.0 signs a JWT client
assertion with the certificate's private key and exchanges it at the token endpoint for a bearer token, renewed
a few minutes before its hour is up. Neither ever puts a secret in a log line or an exception message.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests.auth import AuthBase
from requests_oauthlib import OAuth1

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RENEW_MARGIN = 300


class AuthConfigError(ValueError):
    """The config holds neither complete TBA credentials nor a complete OAuth 2.0 client-credentials key."""


class TokenRequestError(RuntimeError):
    """The token endpoint refused the client assertion; carries the HTTP status and NetSuite's error code."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"NetSuite token endpoint refused the client assertion: HTTP {status} {error}")
        self.status, self.error = status, error


TBA_KEYS = ("consumer_key", "consumer_secret", "token_id", "token_secret")
M2M_KEYS = ("oauth2_client_id", "oauth2_certificate_id", "oauth2_private_key")


class ClientCredentialsAuth(AuthBase):
    """Bearer-token auth from NetSuite's OAuth 2.0 client credentials (JWT assertion) flow."""

    def __init__(self, token_url: str, client_id: str, certificate_id: str, private_key: str,
                 algorithm: str = "ES256", session: requests.Session | None = None) -> None:
        self.token_url, self.client_id, self.certificate_id = token_url, client_id, certificate_id
        self._private_key, self.algorithm = private_key, algorithm
        self._session = session or requests.Session()
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(token_url={self.token_url!r}, client_id=<redacted>)"

    def assertion(self) -> str:
        """A fresh signed client assertion (valid for 5 minutes)."""
        now = int(time.time())
        claims = {"iss": self.client_id, "scope": ["rest_webservices"], "aud": self.token_url, "iat": now,
                  "exp": now + 300, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._private_key, algorithm=self.algorithm,
                          headers={"kid": self.certificate_id, "typ": "JWT"})

    def token(self) -> str:
        """A valid access token, fetched or renewed when needed."""
        with self._lock:
            if self._token is None or time.time() >= self._expires - RENEW_MARGIN:
                response = self._session.post(self.token_url, data={
                    "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": self.assertion()}, timeout=60)
                if response.status_code != 200:
                    try:
                        error = str(response.json().get("error", ""))
                    except ValueError:
                        error = ""
                    raise TokenRequestError(response.status_code, error or response.reason or "")
                payload = response.json()
                self._token = str(payload["access_token"])
                self._expires = time.time() + float(payload.get("expires_in", 3600))
            return self._token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


def build_auth(config: Mapping[str, Any], base_url: str) -> AuthBase:
    """The request signer the config asks for: TBA when its four secrets are set, else OAuth 2.0 M2M."""
    if all(config.get(k) for k in TBA_KEYS):
        return OAuth1(config["consumer_key"], config["consumer_secret"], config["token_id"], config["token_secret"],
                      signature_method=SIGNATURE_HMAC_SHA256, realm=str(config["account_id"]).upper().replace("-", "_"))
    if all(config.get(k) for k in M2M_KEYS):
        return ClientCredentialsAuth(base_url + TOKEN_PATH, config["oauth2_client_id"],
                                     config["oauth2_certificate_id"], config["oauth2_private_key"],
                                     config.get("oauth2_algorithm") or "ES256")
    raise AuthConfigError("tap-netsuite needs either consumer_key, consumer_secret, token_id and token_secret "
                          "(token-based authentication) or oauth2_client_id, oauth2_certificate_id and "
                          "oauth2_private_key (OAuth 2.0 client credentials)")
