"""Salesforce REST error responses: `[{"message": …, "errorCode": …}]` with the vendor's status codes."""

from __future__ import annotations


class SalesforceApiError(Exception):
    """An error the emulator answers with the vendor's JSON error body and HTTP status."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status, self.error_code, self.message, self.fields = status, error_code, message, fields

    def body(self) -> list[dict[str, object]]:
        """The response body Salesforce sends for this error."""
        item: dict[str, object] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]


def malformed_query(message: str) -> SalesforceApiError:
    """400 MALFORMED_QUERY: the SOQL text cannot be parsed."""
    return SalesforceApiError(400, "MALFORMED_QUERY", message)


def invalid_field(message: str) -> SalesforceApiError:
    """400 INVALID_FIELD: a field that does not exist, or a filter value of the wrong type."""
    return SalesforceApiError(400, "INVALID_FIELD", message)


def invalid_type(sobject: str) -> SalesforceApiError:
    """400 INVALID_TYPE (queries) for an sObject the org does not have."""
    return SalesforceApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")


def not_found(message: str = "The requested resource does not exist") -> SalesforceApiError:
    """404 NOT_FOUND."""
    return SalesforceApiError(404, "NOT_FOUND", message)
