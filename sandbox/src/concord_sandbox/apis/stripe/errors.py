"""Stripe's error envelope: every failure is `{"error": {type, code, message, param}}` with the vendor's status."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class StripeAPIError(Exception):
    """An error the emulator answers with Stripe's envelope; carries the HTTP status and the envelope fields."""

    def __init__(self, status: int, type_: str, message: str, *, code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = status, type_, message, code, param
        self.headers = headers or {}

    def envelope(self) -> dict[str, Any]:
        """The JSON body Stripe returns for this error."""
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.param is not None:
            error["param"] = self.param
        return {"error": error}

    def response(self) -> Response:
        """The HTTP response carrying the envelope."""
        return Response(orjson.dumps(self.envelope()), status_code=self.status,
                        media_type="application/json", headers=self.headers)


def invalid_request(message: str, *, param: str | None = None, code: str | None = None,
                    status: int = 400) -> StripeAPIError:
    """A 400 `invalid_request_error` (Stripe's answer to bad parameters)."""
    return StripeAPIError(status, "invalid_request_error", message, code=code, param=param)


def no_such_object(obj: str, object_id: str, param: str = "id") -> StripeAPIError:
    """The 404 Stripe returns for an unknown id."""
    return StripeAPIError(404, "invalid_request_error", f"No such {obj}: '{object_id}'",
                          code="resource_missing", param=param)
