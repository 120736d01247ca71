"""A lean record loop for the common case, replacing singer-sdk's per-record machinery.

singer-sdk spends most of a record's cost outside the tap: walking the record against the selection mask
(recursively, even when everything is selected), building a `RecordMessage`, stamping `time_extracted`,
updating state and metrics per record. When a stream is selected whole, has no stream maps, children, partitions
or record limit, `lean_records` does the same job in bulk: records are serialised with orjson and written in
chunks, the record counter moves per chunk, and the bookmark is updated once, from the highest replication
value, after the last record — before the STATE that carries it (the streams are unsorted, so singer-sdk would
not promote it earlier either). Otherwise the stream falls back to singer-sdk's loop.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson
from singer_sdk.mapper import SameRecordTransform

if TYPE_CHECKING:
    from tap_stripe.client import StripeStream

CHUNK = 500


def lean_eligible(stream: StripeStream, context: dict[str, Any] | None) -> bool:
    """Whether the lean loop gives exactly what singer-sdk's would (no selection, mapping or partition work)."""
    maps = stream.stream_maps
    return (
        context is None
        and stream.selected
        and not stream.child_streams
        and stream.partitions is None
        and stream.ABORT_AT_RECORD_COUNT is None
        and stream.get_batch_config(stream.config) is None
        and len(maps) == 1 and type(maps[0]) is SameRecordTransform and maps[0].stream_alias == stream.name
        and all(stream.mask[("properties", name)] for name in stream.schema["properties"])
    )


def lean_records(stream: StripeStream) -> Iterator[dict[str, Any]]:
    """Emit every record of `stream` as RECORD lines, then the final bookmark and STATE; yields the records."""
    out = sys.stdout.buffer
    prefix = b'{"type":"RECORD","stream":' + orjson.dumps(stream.name) + b',"record":'
    key = stream.replication_key
    counter, timer = stream.get_record_counter(), stream.get_sync_timer()
    latest: dict[str, Any] | None = None
    chunk: list[bytes] = []
    with counter, timer:
        stream._write_starting_replication_value(None)
        for record in stream.get_records(None):
            chunk.append(prefix + orjson.dumps(record) + b"}\n")
            if latest is None or record[key] >= latest[key]:
                latest = record
            if len(chunk) == CHUNK:
                out.write(b"".join(chunk))
                counter.increment(len(chunk))
                chunk.clear()
            yield record
        if chunk:
            out.write(b"".join(chunk))
            counter.increment(len(chunk))
        out.flush()
        if latest is not None:
            stream._increment_stream_state(latest)
    stream._finalize_state(stream.stream_state)
    stream._write_state_message()
