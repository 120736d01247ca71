"""The sources Concord syncs (one table of names, used everywhere) and where each tap's config comes from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from concord.errors import ConcordError


@dataclass(frozen=True)
class Source:
    name: str
    role: str
    tap: str

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.name}"

    @property
    def config_env(self) -> str:
        return f"CONCORD_{self.name.upper()}_TAP_CONFIG"


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source("salesforce", "CRM", "tap-salesforce"),
        Source("stripe", "billing", "tap-stripe"),
        Source("netsuite", "ERP", "tap-netsuite"),
    )
}


class SyncConfigError(ConcordError):
    """A source is unknown or its tap has no configuration."""


def source(name: str) -> Source:
    """The source called `name`, or an error listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise SyncConfigError(f"Unknown source {name!r}; Concord syncs {', '.join(SOURCES)}.") from None


def tap_config(src: Source) -> dict[str, Any]:
    """The tap's config: the JSON file named by CONCORD_<SOURCE>_TAP_CONFIG, else the running sandbox's."""
    path = os.environ.get(src.config_env)
    if path:
        try:
            config = orjson.loads(Path(path).read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise SyncConfigError(f"Cannot read {src.config_env}={path}: {exc}") from exc
        if not isinstance(config, dict):
            raise SyncConfigError(f"{src.config_env}={path} must hold a JSON object")
        return config
    try:
        from concord_sandbox.tap_configs import running_tap_config
    except ModuleNotFoundError:
        raise SyncConfigError(
            f"No config for {src.tap}: set {src.config_env} to a JSON config file, or run the sandbox "
            "(`concord sandbox serve`)."
        ) from None
    return running_tap_config(src.name)
