"""The dbt profile's connection, as environment variables derived from the warehouse URL."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict

PREFIX = "CONCORD_DBT_"


def profile_env(url: str, threads: int = 4) -> dict[str, str]:
    """Environment variables `dbt_project/profiles.yml` reads (host, port, user, password, dbname, threads)."""
    params = conninfo_to_dict(url)
    return {
        f"{PREFIX}HOST": str(params.get("host") or "127.0.0.1"),
        f"{PREFIX}PORT": str(params.get("port") or "5432"),
        f"{PREFIX}USER": str(params.get("user") or "postgres"),
        f"{PREFIX}PASSWORD": str(params.get("password") or ""),
        f"{PREFIX}DBNAME": str(params.get("dbname") or "postgres"),
        f"{PREFIX}THREADS": str(threads),
    }
