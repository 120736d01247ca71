"""The Singer message writer: msgspec encoding, stdout flushed at every non-RECORD message.

The SDK's msgspec writer flushes after every message; flushing only before STATE (and SCHEMA, …) keeps the
guarantee that matters (a STATE reaches the target only after the records it covers) at a fraction of the
system calls.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.simple import Message, RecordMessage


class FlushAtStateWriter(MsgSpecWriter):
    """msgspec lines on stdout; RECORD lines are buffered, everything else flushes (records first)."""

    def write_message(self, message: Message) -> None:
        out = sys.stdout.buffer
        out.write(self.format_message(message))
        if not isinstance(message, RecordMessage):
            out.flush()
