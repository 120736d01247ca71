"""OAuth 1.0a token-based authentication (TBA) as NetSuite verifies it: RFC 5849 with HMAC-SHA256.

The signature base string is built from the request as received (method, base URI from the Host header,
query parameters, `oauth_*` header parameters except `oauth_signature` and `realm`, and form-encoded body
parameters), so any conforming client library verifies unmodified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from concord_sandbox.apis.netsuite.errors import UnauthorizedError

_PARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"')
TIMESTAMP_TOLERANCE = 300  # seconds of skew NetSuite tolerates between client and server clocks
SIGNATURE_METHODS = {"HMAC-SHA256": hashlib.sha256}


@dataclass(frozen=True)
class TbaCredentials:
    """The integration record and access token an OAuth1 request must be signed with."""

    account_id: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str


def pct(value: str) -> str:
    """RFC 3986 percent-encoding as RFC 5849 §3.6 requires (only unreserved characters stay)."""
    return quote(value, safe="-._~")


def parse_oauth_header(header: str) -> dict[str, str]:
    """The parameters of an `Authorization: OAuth k="v", …` header, percent-decoded."""
    if not header[:6].lower() == "oauth ":
        raise UnauthorizedError("not an OAuth authorization header")
    return {k: unquote(v) for k, v in _PARAM.findall(header[6:])}


def base_string_uri(url: str) -> str:
    """Scheme and host lowercased, default port dropped, path kept, query dropped (RFC 5849 §3.4.1.2)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def signature_base_string(method: str, url: str, oauth_params: dict[str, str], form_body: str | None) -> str:
    """The RFC 5849 §3.4.1 signature base string of a request."""
    params = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    params += [(k, v) for k, v in oauth_params.items() if k not in ("oauth_signature", "realm")]
    if form_body:
        params += parse_qsl(form_body, keep_blank_values=True)
    normalized = "&".join(f"{k}={v}" for k, v in sorted((pct(k), pct(v)) for k, v in params))
    return "&".join((method.upper(), pct(base_string_uri(url)), pct(normalized)))


def sign(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """Base64 HMAC-SHA256 of the base string keyed by the two secrets."""
    key = f"{pct(consumer_secret)}&{pct(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base_string.encode(), hashlib.sha256).digest()).decode()


def verify(creds: TbaCredentials, method: str, url: str, header: str, body: bytes, content_type: str,
           now: float | None = None) -> None:
    """Accept a TBA-signed request or raise `UnauthorizedError` naming what failed (for the server log only)."""
    params = parse_oauth_header(header)
    if params.get("realm", "").upper().replace("-", "_") != creds.account_id.upper():
        raise UnauthorizedError("realm does not name this account")
    if params.get("oauth_signature_method") not in SIGNATURE_METHODS:
        raise UnauthorizedError(f"unsupported signature method {params.get('oauth_signature_method')!r}")
    if params.get("oauth_version", "1.0") != "1.0":
        raise UnauthorizedError("oauth_version must be 1.0")
    if params.get("oauth_consumer_key") != creds.consumer_key or params.get("oauth_token") != creds.token_id:
        raise UnauthorizedError("unknown consumer key or token")
    if not params.get("oauth_nonce"):
        raise UnauthorizedError("missing oauth_nonce")
    try:
        stamp = int(params.get("oauth_timestamp", ""))
    except ValueError as exc:
        raise UnauthorizedError("missing or malformed oauth_timestamp") from exc
    if abs((time.time() if now is None else now) - stamp) > TIMESTAMP_TOLERANCE:
        raise UnauthorizedError("oauth_timestamp outside the accepted window")
    if "oauth_body_hash" in params:
        expected_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if not hmac.compare_digest(params["oauth_body_hash"], expected_hash):
            raise UnauthorizedError("oauth_body_hash does not match the body")
    form = body.decode("utf-8", "replace") if content_type.startswith("application/x-www-form-urlencoded") else None
    expected = sign(signature_base_string(method, url, params, form), creds.consumer_secret, creds.token_secret)
    if not hmac.compare_digest(params.get("oauth_signature", ""), expected):
        raise UnauthorizedError("signature mismatch")
