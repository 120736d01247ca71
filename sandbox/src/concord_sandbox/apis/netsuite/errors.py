"""NetSuite's REST error envelope and the exceptions the emulator raises to produce it.

NetSuite answers errors with `application/vnd.oracle.resource+json; type=error` and a body
`{"type", "title", "status", "o:errorDetails": [{"detail", "o:errorCode"}]}`.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

ERROR_MEDIA_TYPE = "application/vnd.oracle.resource+json; type=error"
_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error"}
_TYPES = {400: "section-15.5.1", 401: "section-15.5.2", 403: "section-15.5.4", 404: "section-15.5.5",
          405: "section-15.5.6", 415: "section-15.5.16", 429: "section-6", 500: "section-15.6.1"}


class NetSuiteApiError(Exception):
    """An error the emulator returns as NetSuite's envelope: HTTP status, `o:errorCode`, detail text."""

    def __init__(self, status: int, code: str, detail: str, *, path: str | None = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail, self.path = status, code, detail, path

    def response(self, headers: dict[str, str] | None = None) -> Response:
        """The HTTP response NetSuite would send for this error."""
        return error_response(self.status, self.code, self.detail, path=self.path, headers=headers)


class InvalidQueryError(NetSuiteApiError):
    """A SuiteQL query the emulator cannot parse or that names an unknown table or field."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, "INVALID_PARAMETER",
                         "Invalid search query. Detailed unprocessed description follows. " + reason)
        self.reason = reason


class UnauthorizedError(NetSuiteApiError):
    """Authentication failed; `reason` is logged by the emulator, never sent (NetSuite does not say why)."""

    def __init__(self, reason: str) -> None:
        super().__init__(401, "INVALID_LOGIN",
                         "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI "
                         "at Setup > Users/Roles > User Management > View Login Audit Trail.")
        self.reason = reason


class FieldValidationError(NetSuiteApiError):
    """A record write carried an invalid field value; names the record type, key, field and reason."""

    def __init__(self, record_type: str, key: str, field: str, reason: str) -> None:
        super().__init__(400, "USER_ERROR",
                         f"Error while accessing a resource. Invalid value for field {field} on {record_type} "
                         f"{key}: {reason}", path=field)
        self.record_type, self.key, self.field, self.reason = record_type, key, field, reason


def error_response(status: int, code: str, detail: str, *, path: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """A NetSuite error envelope response."""
    item: dict[str, Any] = {"detail": detail, "o:errorCode": code}
    if path:
        item["o:errorPath"] = path
    body = {"type": f"https://www.rfc-editor.org/rfc/rfc9110.html#{_TYPES.get(status, 'section-15')}",
            "title": _TITLES.get(status, "Error"), "status": status, "o:errorDetails": [item]}
    return Response(orjson.dumps(body), status_code=status, media_type=ERROR_MEDIA_TYPE, headers=headers)
