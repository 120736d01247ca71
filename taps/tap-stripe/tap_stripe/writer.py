"""Singer output through msgspec, buffered: RECORD lines are not flushed one by one.

singer-sdk's writers flush stdout after every message (a system call per record). Records are flushed in
order before any SCHEMA/STATE message is written, and at exit, so a STATE never reaches the target ahead of
the records it covers.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.encoding.simple import Message


class FastSingerWriter(MsgSpecWriter):
    """msgspec serialisation, stdout flushed on every non-RECORD message."""

    def write_message(self, message: Message) -> None:
        """Write one message; flush unless it is a RECORD."""
        sys.stdout.buffer.write(self.format_message(message))
        if not isinstance(message, RecordMessage):
            sys.stdout.flush()
