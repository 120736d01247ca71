"""Ready tap configs for the sandbox's APIs: the running server's base URL plus the seeded credentials."""

from __future__ import annotations

from typing import Any

from concord_sandbox import daemon
from concord_sandbox.apis import default_host, default_port, load_api
from concord_sandbox.errors import InvalidOptionError, SandboxError
from concord_sandbox.faults import API_NAMES
from concord_sandbox.paths import database_path, sandbox_dir
from concord_sandbox.store import Store


def tap_config(api: str) -> tuple[dict[str, Any], bool]:
    """The tap config for `api` and whether the sandbox is running (if not, the URL is where `serve` puts it)."""
    if api not in API_NAMES:
        raise InvalidOptionError("API", api, f"expected one of {', '.join(API_NAMES)}")
    module = load_api(api)
    if module is None:
        raise SandboxError(f"The {api} API emulator is not built yet (no module concord_sandbox.apis.{api}).")
    info = daemon.running_info(sandbox_dir())
    url = f"http://{default_host()}:{default_port(api)}" if info is None else str(dict(info["apis"])[api])
    return module.tap_config(url, Store(database_path()).credentials(api)), info is not None


def running_tap_config(api: str) -> dict[str, Any]:
    """The tap config for `api` of the running sandbox; an error if the sandbox is not serving."""
    config, running = tap_config(api)
    if not running:
        raise SandboxError(f"The sandbox is not running, so {api} cannot be synced from it; start it with "
                           "`concord sandbox serve` (after `concord sandbox seed`).")
    return config
