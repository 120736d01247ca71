"""Secret-key authentication as Stripe does it: `Authorization: Bearer sk_…` or Basic with the key as user."""

from __future__ import annotations

import base64
import binascii
import hmac

from concord_sandbox.apis.stripe.errors import StripeAPIError


def _unauthorized(message: str) -> StripeAPIError:
    return StripeAPIError(401, "invalid_request_error", message,
                          headers={"WWW-Authenticate": 'Basic realm="Stripe"'})


def presented_key(header: str | None) -> str:
    """The API key in an Authorization header; raises 401 when there is none."""
    if not header:
        raise _unauthorized("You did not provide an API key. You need to provide your API key in the "
                            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("Invalid Basic authorization header.") from None
        return user
    raise _unauthorized("Invalid authorization header; use Bearer or Basic auth with your secret key.")


def check_key(header: str | None, secret_key: str) -> None:
    """Accept only the sandbox's secret key; the message never echoes more than the key's last 4 characters."""
    key = presented_key(header)
    if not hmac.compare_digest(key.encode(), secret_key.encode()):
        raise _unauthorized(f"Invalid API Key provided: {'*' * 8}{key[-4:]}")
