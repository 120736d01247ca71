"""Running `tap-salesforce` as its users do: the console script in a subprocess, Singer messages on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TAP = str(Path(sys.executable).with_name("tap-salesforce"))


@dataclass
class TapRun:
    """One run's outcome: exit code, messages by type, records by stream, the last STATE, stderr text."""

    returncode: int
    messages: list[dict[str, Any]]
    stderr: str
    stdout: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    state: dict[str, Any] | None = None

    def read_messages(self, text: str) -> None:
        """Collect the Singer messages in `text` (one JSON object per line)."""
        for line in text.splitlines():
            if not line.strip():
                continue
            msg = json.loads(line)
            self.messages.append(msg)
            if msg["type"] == "RECORD":
                self.records[msg["stream"]].append(msg["record"])
            elif msg["type"] == "STATE":
                self.state = msg["value"]

    def ids(self, stream: str) -> set[str]:
        return {r["Id"] for r in self.records.get(stream, [])}

    def bookmark(self, stream: str) -> str:
        assert self.state is not None, "the run emitted no STATE"
        return self.state["bookmarks"][stream]["replication_key_value"]


def run_tap(workdir: Path, config: dict[str, Any], state: dict[str, Any] | None = None,
            *extra: str, timeout: float = 120) -> TapRun:
    """Run the tap with `config` (and `state`) written to files under `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config))
    args = [TAP, "--config", str(config_path), *extra]
    if state is not None:
        state_path = workdir / "state.json"
        state_path.write_text(json.dumps(state))
        args += ["--state", str(state_path)]
    proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    run = TapRun(proc.returncode, [], proc.stderr.decode("utf-8", "replace"), proc.stdout.decode())
    if "--discover" not in extra and "--about" not in extra:
        run.read_messages(run.stdout)
    return run


def run_tap_in_process(config: dict[str, Any], state: dict[str, Any] | None = None,
                       catalog: dict[str, Any] | None = None) -> TapRun:
    """Run a full sync in this process (no interpreter start-up), capturing the Singer messages it writes.

    Exceptions propagate; `returncode` is 0 when the sync returns.
    """
    import contextlib
    import io

    from tap_salesforce.tap import TapSalesforce

    tap = TapSalesforce(config=config, state=state, catalog=catalog)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out):
        tap.sync_all()
        out.flush()
    text = out.buffer.getvalue().decode()  # type: ignore[attr-defined]
    run = TapRun(0, [], "", text)
    run.read_messages(text)
    return run
