"""HTTP fault-injection configuration: per API, the rate of each fault, stored in the sandbox database.

Text form (CLI `--faults`, `concord sandbox faults set`): `API:FAULT=RATE,FAULT=RATE;API:…` with FAULT one of
`429`, `500`, `502`, `503`, `latency`, `reset`, `truncate`, plus settings `latency_ms` (added delay, default 500),
`retry_after` (seconds in the 429's Retry-After header, default 1) and `seed` (default 0).
E.g. `stripe:429=0.05,500=0.02;netsuite:latency=0.2,latency_ms=300`. Off by default (no rows).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass, fields

import orjson

from concord_sandbox.errors import InvalidOptionError

API_NAMES: tuple[str, ...] = ("salesforce", "stripe", "netsuite")
FAULTS: tuple[str, ...] = ("429", "500", "502", "503", "latency", "reset", "truncate")


@dataclass(frozen=True)
class FaultConfig:
    """Fault rates for one API (each a probability per request; at most one fault per request)."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_502: float = 0.0
    rate_503: float = 0.0
    rate_latency: float = 0.0
    rate_reset: float = 0.0
    rate_truncate: float = 0.0
    latency_ms: int = 500
    retry_after: int = 1
    seed: int = 0

    @property
    def active(self) -> bool:
        return any(getattr(self, f"rate_{f}") > 0 for f in FAULTS)

    def as_json(self) -> dict[str, float | int]:
        return asdict(self)

    def describe(self) -> str:
        parts = [f"{f}={getattr(self, f'rate_{f}'):g}" for f in FAULTS if getattr(self, f"rate_{f}") > 0]
        if self.rate_latency > 0:
            parts.append(f"latency_ms={self.latency_ms}")
        if self.rate_429 > 0:
            parts.append(f"retry_after={self.retry_after}")
        parts.append(f"seed={self.seed}")
        return ",".join(parts) if self.active else "off"

    @classmethod
    def from_json(cls, data: dict[str, float | int]) -> FaultConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


def parse_api_faults(api: str, text: str) -> FaultConfig:
    """One API's faults from `FAULT=RATE,…` (settings latency_ms, retry_after, seed allowed)."""
    values: dict[str, float | int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            raise InvalidOptionError(f"{api} fault", part, "expected FAULT=RATE")
        try:
            number = float(value)
        except ValueError as exc:
            raise InvalidOptionError(f"{api} fault", part, "the value must be a number") from exc
        if name in FAULTS:
            if not 0.0 <= number <= 1.0:
                raise InvalidOptionError(f"{api} fault", part, "a rate must be between 0 and 1")
            values[f"rate_{name}"] = number
        elif name in ("latency_ms", "retry_after", "seed"):
            values[name] = int(number)
        else:
            raise InvalidOptionError(
                f"{api} fault", part, f"expected one of {', '.join(FAULTS)}, latency_ms, retry_after, seed"
            )
    total = sum(float(v) for k, v in values.items() if k.startswith("rate_"))
    if total > 1.0:
        raise InvalidOptionError(f"{api} faults", text, "the rates add up to more than 1")
    return FaultConfig.from_json(values)


def parse_faults(text: str) -> dict[str, FaultConfig]:
    """All APIs' faults from `API:FAULT=RATE,…;API:…`."""
    result: dict[str, FaultConfig] = {}
    for section in filter(None, (s.strip() for s in text.split(";"))):
        api, sep, rest = section.partition(":")
        if not sep or api not in API_NAMES:
            raise InvalidOptionError(
                "--faults", section, f"expected API:FAULT=RATE with API one of {', '.join(API_NAMES)}"
            )
        result[api] = parse_api_faults(api, rest)
    return result


def save_faults(conn: sqlite3.Connection, configs: dict[str, FaultConfig]) -> None:
    """Store configurations (replacing those APIs' previous ones); running servers pick them up within ~0.5 s."""
    now = time.time()
    for api, config in configs.items():
        conn.execute(
            "insert or replace into sandbox_faults (api, config, updated_at) values (?, ?, ?)",
            (api, orjson.dumps(config.as_json()).decode(), now),
        )


def clear_faults(conn: sqlite3.Connection, api: str | None = None) -> None:
    """Turn faults off for one API or all."""
    if api is None:
        conn.execute("delete from sandbox_faults")
    else:
        conn.execute("delete from sandbox_faults where api = ?", (api,))


def load_faults(conn: sqlite3.Connection) -> dict[str, FaultConfig]:
    """Current configurations (APIs without a row have faults off)."""
    rows = conn.execute("select api, config from sandbox_faults order by api").fetchall()
    return {api: FaultConfig.from_json(orjson.loads(config)) for api, config in rows}
