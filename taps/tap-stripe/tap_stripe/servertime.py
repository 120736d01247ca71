"""The server's clock, from the HTTP `Date` header (the sandbox sends its simulated time there).

The tap needs the server's "now" to stamp a full sync's snapshot and to check the 30-day event retention; a
real Stripe account and the sandbox both state it in `Date`. When a proxy duplicated the header, the last
value is the application's own.
"""

from __future__ import annotations

import calendar
import re
import time
from email.utils import parsedate_tz

_HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")


def server_time(date_header: str | None) -> int:
    """Unix seconds from a `Date` header (the last one when repeated); the local clock when there is none."""
    found = _HTTP_DATE.findall(date_header or "")
    if not found:
        return int(time.time())
    parsed = parsedate_tz(found[-1])
    if parsed is None:
        return int(time.time())
    return calendar.timegm(parsed[:9]) - (parsed[9] or 0)
