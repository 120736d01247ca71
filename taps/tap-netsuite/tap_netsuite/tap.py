"""tap-netsuite: the config schema and the stream list.

Works against a real account by configuration alone (`account_id`, credentials, optionally `base_url`) and
against the Concord sandbox (`concord sandbox tap-config netsuite`).
"""

from __future__ import annotations

import sys

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import Message, SingerMessageType

from tap_netsuite.streams import STREAM_TYPES


class BufferedMsgSpecWriter(MsgSpecWriter):
    """The SDK's msgspec writer without a flush per RECORD: stdout is flushed at every other message (STATE,
    SCHEMA, …), so a STATE never reaches the target before the records it covers, and at exit."""

    def write_message(self, message: Message) -> None:
        stdout = sys.stdout
        stdout.buffer.write(self.format_message(message))
        if message.type != SingerMessageType.RECORD:
            stdout.flush()


class TapNetSuite(Tap):
    """Singer tap for NetSuite SuiteTalk REST (SuiteQL)."""

    name = "tap-netsuite"
    message_writer_class = BufferedMsgSpecWriter  # msgspec: ~1.5x less per-record cost than stdlib json

    config_jsonschema = th.PropertiesList(
        th.Property("account_id", th.StringType, required=True, title="Account ID",
                    description="NetSuite account id, e.g. 1234567 or 1234567_SB1 (the OAuth realm)."),
        th.Property("base_url", th.StringType, title="Base URL",
                    description="SuiteTalk REST root; default https://<account>.suitetalk.api.netsuite.com."),
        th.Property("consumer_key", th.StringType, secret=True, description="TBA integration consumer key."),
        th.Property("consumer_secret", th.StringType, secret=True, description="TBA integration consumer secret."),
        th.Property("token_id", th.StringType, secret=True, description="TBA access token id."),
        th.Property("token_secret", th.StringType, secret=True, description="TBA access token secret."),
        th.Property("oauth2_client_id", th.StringType, secret=True,
                    description="OAuth 2.0 client-credentials integration client id (instead of TBA)."),
        th.Property("oauth2_certificate_id", th.StringType,
                    description="Id NetSuite gave the uploaded certificate (the JWT `kid`)."),
        th.Property("oauth2_private_key", th.StringType, secret=True,
                    description="PEM private key of that certificate; signs the JWT client assertion."),
        th.Property("oauth2_algorithm", th.StringType, default="ES256",
                    description="JWT algorithm for the assertion (ES256, PS256, …)."),
        th.Property("start_date", th.DateTimeType, default="2000-01-01T00:00:00Z",
                    description="Earliest lastmodifieddate to extract on a first sync."),
        th.Property("page_size", th.IntegerType, default=1000, description="SuiteQL page size (1–1000)."),
        th.Property("max_query_results", th.IntegerType, default=100000,
                    description="NetSuite's per-query result cap; windows restart before it."),
        th.Property("max_retries", th.IntegerType, default=8, description="Attempts per request before failing."),
        th.Property("retry_base_seconds", th.NumberType, default=1.0,
                    description="Base of the exponential backoff (full jitter)."),
        th.Property("streams", th.ArrayType(th.StringType),
                    description="Streams to sync (default: all); catalog selection still applies."),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        """Every stream, or those named in the `streams` setting."""
        wanted = self.config.get("streams")
        return [cls(tap=self) for cls in STREAM_TYPES if not wanted or cls.name in wanted]


if __name__ == "__main__":
    TapNetSuite.cli()
