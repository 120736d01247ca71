"""The "done when" path: `concord sandbox serve`, then `tap-stripe --config <(concord sandbox tap-config stripe)`
syncs every stream, and a second run with the STATE applies `advance --hours 1` from events."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from concord_sandbox import daemon
from concord_sandbox.seed import DEFAULT_START
from concord_sandbox.timefmt import parse_iso
from stripe_support import copy_sandbox, free_port
from tap_stripe.streams import STREAM_TYPES

pytestmark = pytest.mark.xdist_group("stripe_cli")
BIN = Path(sys.executable).parent


@pytest.fixture
def served_sandbox(seeded_sandbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    directory = tmp_path / "served"
    copy_sandbox(seeded_sandbox, directory)
    ports = {name: free_port() for name in ("control", "salesforce", "stripe", "netsuite")}
    env = {**os.environ, "CONCORD_SANDBOX_DIR": str(directory), "CONCORD_SANDBOX_STRIPE_RATE": "200",
           **{f"CONCORD_SANDBOX_{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    monkeypatch.setenv("CONCORD_SANDBOX_STRIPE_RATE", "200")  # the served process inherits it
    daemon.start(directory, "127.0.0.1", ports)
    try:
        yield env
    finally:
        daemon.stop(directory)


def run(env: dict[str, str], *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(args, env=env, input=stdin, capture_output=True, check=True, timeout=300).stdout


def tap(env: dict[str, str], tmp_path: Path, state: dict[str, object] | None = None) -> list[dict[str, object]]:
    config = tmp_path / "config.json"
    config.write_bytes(run(env, str(BIN / "concord"), "sandbox", "tap-config", "stripe"))
    args = [str(BIN / "tap-stripe"), "--config", str(config)]
    if state is not None:
        (tmp_path / "state.json").write_bytes(orjson.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    return [orjson.loads(line) for line in run(env, *args).splitlines()]


def test_tap_config_then_full_and_events_sync(served_sandbox: dict[str, str], tmp_path: Path) -> None:
    first = tap(served_sandbox, tmp_path)
    streams = {m["stream"] for m in first if m["type"] == "RECORD"}
    assert streams == {s.name for s in STREAM_TYPES}
    state = [m for m in first if m["type"] == "STATE"][-1]["value"]
    # the bookmark is the sandbox's simulated time (its `Date` header), not the wall clock
    assert {b["replication_key_value"] for b in state["bookmarks"].values()} == {parse_iso(DEFAULT_START)}
    run(served_sandbox, str(BIN / "concord"), "sandbox", "advance", "--hours", "1")
    second = tap(served_sandbox, tmp_path, state)
    changed = [m for m in second if m["type"] == "RECORD"]
    assert changed and all(m["record"]["_concord_event_id"] for m in changed)
    bookmarks = [m for m in second if m["type"] == "STATE"][-1]["value"]["bookmarks"]
    assert all(b["replication_key_value"] > state["bookmarks"][name]["replication_key_value"]
               for name, b in bookmarks.items())
