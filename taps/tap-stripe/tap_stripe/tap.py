"""TapStripe: the config schema and the stream list."""

from __future__ import annotations

from singer_sdk import Stream, Tap
from singer_sdk import typing as th

from tap_stripe.streams import STREAM_TYPES
from tap_stripe.writer import FastSingerWriter


class TapStripe(Tap):
    """Singer tap for Stripe (API version 2026-10-28.endive); works against api.stripe.com or the Concord sandbox."""

    name = "tap-stripe"
    package_name = "concord-tap-stripe"
    message_writer_class = FastSingerWriter

    config_jsonschema = th.PropertiesList(
        th.Property("api_key", th.StringType, required=True, secret=True,
                    description="Secret (sk_…) or restricted (rk_…) API key."),
        th.Property("api_url", th.StringType, default="https://api.stripe.com",
                    description="API base address (the sandbox's, or Stripe's)."),
        th.Property("start_date", th.DateTimeType, default="2015-01-01T00:00:00Z",
                    description="Earliest `created` time a full sync lists."),
        th.Property("lookback_seconds", th.IntegerType, default=300,
                    description="An events sync re-reads this many seconds before its bookmark (late events)."),
        th.Property("streams", th.ArrayType(th.StringType),
                    description="Streams to sync (default: all); the catalog's selection also applies."),
        th.Property("window_days", th.IntegerType, default=90, description="Width of a full sync's created windows."),
        th.Property("event_window_seconds", th.IntegerType, default=21600,
                    description="Width of an events sync's time windows (each is ordered in memory)."),
        th.Property("page_size", th.IntegerType, default=100, description="List page size, 1–100."),
        th.Property("max_retries", th.IntegerType, default=8, description="Attempts per request before failing."),
        th.Property("backoff_base_seconds", th.NumberType, default=1.0, description="First retry wait."),
        th.Property("backoff_max_seconds", th.NumberType, default=60.0, description="Longest retry wait."),
        th.Property("request_timeout", th.IntegerType, default=60, description="Seconds per HTTP request."),
        th.Property("user_agent", th.StringType, description="User-Agent header."),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        """The streams, restricted to the `streams` setting when given."""
        wanted = self.config.get("streams")
        return [cls(tap=self) for cls in STREAM_TYPES if not wanted or cls.name in wanted]


if __name__ == "__main__":
    TapStripe.cli()
