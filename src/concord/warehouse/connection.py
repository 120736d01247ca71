"""Which warehouse Concord talks to, and connections to it.

With CONCORD_WAREHOUSE_URL set, that server is used and nothing is started; otherwise the embedded cluster
is started on demand. Every entry point calls `ready_url()`, which also applies pending migrations once per
process.
"""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg

from concord.errors import WarehouseError

URL_ENV = "CONCORD_WAREHOUSE_URL"
_migrated: set[str] = set()


def configured_url() -> str | None:
    """CONCORD_WAREHOUSE_URL, or None when the embedded cluster is the warehouse."""
    return os.environ.get(URL_ENV) or None


def warehouse_url(start: bool = True) -> str:
    """The warehouse URL; starts the embedded cluster when no URL is configured (unless start=False)."""
    url = configured_url()
    if url:
        return url
    from concord.warehouse.embedded import EmbeddedCluster

    cluster = EmbeddedCluster()
    if start:
        return cluster.up()
    status = cluster.status()
    if not status.url:
        raise WarehouseError("The embedded warehouse is not running; start it with `concord warehouse up`.")
    return status.url


def ready_url(url: str | None = None) -> str:
    """The warehouse URL with all metadata migrations applied (once per process and URL)."""
    url = url or warehouse_url()
    if url not in _migrated:
        from concord.warehouse.migrate import migrate

        migrate(url)
        _migrated.add(url)
    return url


def redact(url: str) -> str:
    """The URL with any password replaced, safe for logs and errors."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def connect(url: str | None = None, **kwargs: Any) -> psycopg.Connection:
    """A psycopg connection to the (migrated) warehouse."""
    url = ready_url(url)
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        raise WarehouseError(f"Cannot connect to the warehouse at {redact(url)}: {exc}") from exc
