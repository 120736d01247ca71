"""The tap's errors: each names the stream and, where there is one, the query and the vendor's errorCode."""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError


class SalesforceTapError(Exception):
    """Base class of the tap's own errors."""


class QueryRejectedError(FatalAPIError, SalesforceTapError):
    """Salesforce rejected the stream's query (MALFORMED_QUERY, INVALID_FIELD, …): retrying cannot help."""

    def __init__(self, stream: str, soql: str, error_code: str, message: str) -> None:
        super().__init__(f"Stream {stream}: Salesforce rejected the query with {error_code}: {message} "
                         f"(query: {soql})")
        self.stream, self.soql, self.error_code = stream, soql, error_code


class ApiRequestError(FatalAPIError, SalesforceTapError):
    """A non-retriable HTTP error other than a rejected query; names the stream, status and errorCode."""

    def __init__(self, stream: str, status: int, error_code: str, message: str) -> None:
        super().__init__(f"Stream {stream}: HTTP {status} {error_code}: {message}")
        self.stream, self.status, self.error_code = stream, status, error_code


class RequestLimitExceededError(SalesforceTapError):
    """The org's daily API allocation is used up (403 REQUEST_LIMIT_EXCEEDED): end the run with state saved."""

    def __init__(self, stream: str, message: str) -> None:
        super().__init__(f"Stream {stream}: REQUEST_LIMIT_EXCEEDED: {message}")
        self.stream = stream


class BookmarkTooOldError(SalesforceTapError):
    """The stream's bookmark predates the recycle bin, so deletions since then may be lost."""

    def __init__(self, stream: str, bookmark: str, cutoff: str, days: int) -> None:
        super().__init__(
            f"Stream {stream}: the bookmark {bookmark} is older than Salesforce's recycle bin ({days} days, "
            f"i.e. before {cutoff}); records deleted since the bookmark may have been purged. Run a full "
            f"re-sync of {stream}: drop its bookmark from the state and extract again.")
        self.stream, self.bookmark, self.cutoff = stream, bookmark, cutoff


class AuthenticationError(SalesforceTapError):
    """The OAuth token request was refused; names the login URL and OAuth error, never the credentials."""

    def __init__(self, login_url: str, error: str, description: str) -> None:
        super().__init__(f"Salesforce login at {login_url} failed: {error}: {description}")
        self.login_url, self.error = login_url, error


class DescribeError(SalesforceTapError):
    """Discovery could not read an sObject's `describe`; names the sObject, URL and last problem."""

    def __init__(self, sobject: str, url: str, problem: str) -> None:
        super().__init__(f"Stream {sobject}: could not describe it at {url}: {problem}")
        self.sobject, self.url = sobject, url
