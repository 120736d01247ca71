"""`tap-salesforce`: the config schema and the stream list (schemas discovered from `describe`)."""

from __future__ import annotations

from typing import Any

from singer_sdk import Tap
from singer_sdk import typing as th

from tap_salesforce import redact
from tap_salesforce.auth import SalesforceSession
from tap_salesforce.client import SalesforceStream
from tap_salesforce.errors import ApiRequestError
from tap_salesforce.streams import STREAM_TYPES
from tap_salesforce.writer import FlushAtStateWriter


class TapSalesforce(Tap):
    """Extracts Salesforce sObjects incrementally (`SystemModstamp`), with deletions and merges."""

    name = "tap-salesforce"
    message_writer_class = FlushAtStateWriter

    config_jsonschema = th.PropertiesList(
        th.Property("instance_url", th.StringType,
                    description="The org's base URL (https://<domain>.my.salesforce.com); default: the one the "
                                "login returns."),
        th.Property("login_url", th.StringType, default="https://login.salesforce.com",
                    description="Where to request OAuth tokens (a My Domain URL for the client-credentials flow)."),
        th.Property("client_id", th.StringType, required=True, secret=True,
                    description="Connected app consumer key."),
        th.Property("client_secret", th.StringType, required=True, secret=True,
                    description="Connected app consumer secret."),
        th.Property("username", th.StringType,
                    description="Integration user; set it (with password) to use the username-password flow."),
        th.Property("password", th.StringType, secret=True, description="The user's password."),
        th.Property("security_token", th.StringType, secret=True,
                    description="The user's security token (appended to the password)."),
        th.Property("api_version", th.StringType, default="62.0", description="REST API version (59.0 to 62.0)."),
        th.Property("start_date", th.DateTimeType,
                    description="Extract records modified at or after this time when there is no bookmark."),
        th.Property("batch_size", th.IntegerType, default=2000,
                    description="Records per page (Sforce-Query-Options batchSize, 200 to 2,000)."),
        th.Property("streams", th.ArrayType(th.StringType), default=list(STREAM_TYPES),
                    description="sObjects to discover (a subset of the default)."),
        th.Property("max_retries", th.IntegerType, default=8, description="Attempts per request before failing."),
        th.Property("backoff_base_seconds", th.NumberType, default=1.0,
                    description="First retry wait; doubles per attempt, with full jitter."),
        th.Property("backoff_max_seconds", th.NumberType, default=60.0, description="Longest wait between tries."),
        th.Property("recycle_bin_days", th.IntegerType, default=15,
                    description="How long the org keeps deleted records; older bookmarks need a full re-sync."),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._session: SalesforceSession | None = None
        self.limit_reached = False
        super().__init__(*args, **kwargs)
        redact.install()

    @property
    def salesforce_session(self) -> SalesforceSession:
        """The run's OAuth session, shared by every stream."""
        if self._session is None:
            self._session = SalesforceSession(self.config)
        return self._session

    def discover_streams(self) -> list[SalesforceStream]:
        """One stream per configured sObject, typed from its `describe`."""
        session = self.salesforce_session
        base = f"{session.instance_url}/services/data/v{self.config['api_version']}/sobjects"
        streams = []
        for name in self.config.get("streams") or list(STREAM_TYPES):
            if name not in STREAM_TYPES:
                raise ApiRequestError(name, 0, "UNKNOWN_STREAM",
                                      f"not one of {', '.join(STREAM_TYPES)} (setting `streams`)")
            streams.append(STREAM_TYPES[name](self, self._describe(f"{base}/{name}/describe", name)))
        return streams

    def _describe(self, url: str, name: str) -> dict[str, Any]:
        return self.salesforce_session.get_json(url, name)  # type: ignore[no-any-return]


if __name__ == "__main__":
    TapSalesforce.cli()
