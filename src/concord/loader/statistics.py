"""Planner statistics for the raw tables a load changed.

PostgreSQL plans the staging views and marts over the raw tables from their statistics. Autovacuum refreshes
them only after a delay (and not at all where it is turned off), so the first build after a large load would be
planned on no statistics: row estimates of 1-3 rows over 100,000-row tables, nested loops, minutes instead of
seconds. After a load the loader analyzes each table it changed by more than a tenth of its analyzed size (or
that was never analyzed): a sampled ANALYZE, tens of milliseconds per table, no lock that blocks readers or writers.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
from psycopg import sql

# Analyze when a load changed more rows than this share of the table's analyzed size.
CHANGED_SHARE = 0.1

# reltuples: the row count the last ANALYZE (or VACUUM) saw; -1 when none ran. The load's own row counts decide,
# not pg_stat's n_mod_since_analyze: a backend reports its counters up to a second after it commits, so right
# after a load they may not include it yet (or land after the ANALYZE and count the load twice).
_SIZES = """
select c.relname, c.reltuples
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = %s and c.relname = any(%s) and c.relkind in ('r', 'p')
"""


def stale_tables(conn: psycopg.Connection, schema: str, changed: Mapping[str, int]) -> list[str]:
    """The tables of `schema` (name → rows this load changed) whose statistics the load made stale."""
    rows = conn.execute(_SIZES, (schema, sorted(changed))).fetchall()
    return sorted(name for name, reltuples in rows if reltuples < 0 or changed[name] > CHANGED_SHARE * reltuples)


def refresh(conn: psycopg.Connection, schema: str, changed: Mapping[str, int]) -> list[str]:
    """ANALYZE the stale tables among `changed` (name → rows this load changed); returns their names. Commits."""
    stale = stale_tables(conn, schema, changed)
    for table in stale:
        conn.execute(sql.SQL("analyze {}").format(sql.Identifier(schema, table)))
    conn.commit()
    return stale
