"""The API registry: which emulators exist, their default ports, and how `serve` builds them.

An emulator is a module `concord_sandbox.apis.<name>` (name one of `API_NAMES`) that provides

* `create_app(store: Store, faults: ApiFaults) -> ASGI app` — the server wraps the app with fault injection
  itself (don't wrap it again), exempting the path prefixes in the optional module attribute
  `FAULT_EXEMPT_PATHS: tuple[str, ...]` (e.g. the OAuth token endpoint);
* `tap_config(base_url: str, credentials: dict[str, str]) -> dict` — a ready config for its tap;
* optionally `HEALTH_PATH: str` (default "/"), which `status` requests: any HTTP answer below 500 is healthy.

`CONCORD_SANDBOX_API_MODULES="stripe=my.module,…"` serves another module in place of the built-in one (an
alternative emulator, or a stand-in in tests).

Default ports: control 8700, salesforce 8701, stripe 8702, netsuite 8703; override with
`CONCORD_SANDBOX_<NAME>_PORT` or `concord sandbox serve --<name>-port`; the host with `CONCORD_SANDBOX_HOST`.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from concord_sandbox.faults import API_NAMES

DEFAULT_PORTS: dict[str, int] = {"control": 8700, "salesforce": 8701, "stripe": 8702, "netsuite": 8703}
DEFAULT_HOST = "127.0.0.1"


def load_api(name: str) -> ModuleType | None:
    """The emulator module for `name`, or None when it has not been built."""
    if name not in API_NAMES:
        raise ValueError(f"unknown API {name!r}")
    overrides = dict(
        part.split("=", 1)
        for part in os.environ.get("CONCORD_SANDBOX_API_MODULES", "").split(",")
        if "=" in part
    )
    module_name = overrides.get(name, f"concord_sandbox.apis.{name}")
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name and name not in overrides:
            return None
        raise


def default_port(name: str) -> int:
    """The port for `name` from `CONCORD_SANDBOX_<NAME>_PORT`, else its default."""
    return int(os.environ.get(f"CONCORD_SANDBOX_{name.upper()}_PORT", DEFAULT_PORTS[name]))


def default_host() -> str:
    """The host to bind, from `CONCORD_SANDBOX_HOST` (loopback by default)."""
    return os.environ.get("CONCORD_SANDBOX_HOST", DEFAULT_HOST)
