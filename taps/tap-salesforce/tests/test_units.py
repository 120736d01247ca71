"""Unit checks of the tap's small pieces: server time, redaction, record post-processing, schemas."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tap_salesforce.auth import server_time
from tap_salesforce.redact import MASK, REDACTOR, RedactingFilter
from tap_salesforce.schema import property_schema, sobject_schema


def test_server_time_takes_the_earliest_of_duplicated_date_headers() -> None:
    single = "Thu, 01 Jan 2026 00:00:00 GMT"
    assert server_time(single) == datetime(2026, 1, 1, tzinfo=UTC)
    # A proxy (or uvicorn's own header) may add the machine's clock after the emulator's simulated one.
    assert server_time(f"{single}, Sun, 29 Nov 2026 14:00:00 GMT") == datetime(2026, 1, 1, tzinfo=UTC)
    assert server_time(None) is None and server_time("garbage") is None


def test_redaction_masks_known_secrets_in_text_and_log_records() -> None:
    REDACTOR.add("S3cr3t-value-for-test")
    assert REDACTOR.redact("password=S3cr3t-value-for-test;") == f"password={MASK};"
    record = logging.LogRecord("tap-salesforce", logging.ERROR, __file__, 1, "login with %s failed",
                               ("S3cr3t-value-for-test",), None)
    assert RedactingFilter().filter(record) and "S3cr3t" not in record.getMessage()


def test_describe_types_become_typed_json_schema() -> None:
    assert property_schema({"name": "Id", "type": "id"}) == {"type": "string"}
    assert property_schema({"name": "IsDeleted", "type": "boolean"}) == {"type": ["boolean", "null"]}
    assert property_schema({"name": "Amount", "type": "currency"}) == {"type": ["number", "null"]}
    assert property_schema({"name": "NumberOfEmployees", "type": "int"}) == {"type": ["integer", "null"]}
    assert property_schema({"name": "CloseDate", "type": "date"})["format"] == "date"
    assert property_schema({"name": "SystemModstamp", "type": "datetime"})["format"] == "date-time"
    schema = sobject_schema({"name": "Account", "fields": [{"name": "Id", "type": "id"}]})
    assert schema["properties"]["_sdc_deleted_at"] == {"type": ["string", "null"], "format": "date-time"}


def test_about_lists_every_setting_and_marks_secrets() -> None:
    import json
    import subprocess

    from sf_tap_runner import TAP

    about = json.loads(subprocess.run([TAP, "--about", "--format", "json"], capture_output=True, check=True,
                                      timeout=60).stdout)
    props = about["settings"]["properties"]
    assert {"instance_url", "login_url", "client_id", "client_secret", "username", "password", "security_token",
            "start_date", "batch_size", "streams"} <= set(props)
    assert all(props[name].get("secret") for name in ("client_id", "client_secret", "password", "security_token"))
    assert {"catalog", "state", "discover", "about"} <= set(about["capabilities"])
