"""The CLI turns user errors into one paragraph with exit code 1, and shows a traceback only with --debug."""

from __future__ import annotations

import subprocess
import sys

BAD_URL = "postgresql://nobody:s3cret-pw@127.0.0.1:1/none"


def _concord(*args: str, env_url: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "CONCORD_WAREHOUSE_URL": env_url}
    return subprocess.run([sys.executable, "-m", "concord.cli.main", *args], capture_output=True, text=True,
                          env=env, check=False, timeout=60)


def test_unreachable_warehouse_is_one_paragraph_without_secret() -> None:
    proc = _concord("warehouse", "status", env_url=BAD_URL)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: The warehouse at postgresql://nobody:***@127.0.0.1:1/none does not answer")
    assert "s3cret-pw" not in proc.stderr + proc.stdout


def test_debug_shows_the_traceback() -> None:
    proc = _concord("--debug", "warehouse", "status", env_url=BAD_URL)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr


def test_every_command_has_help() -> None:
    for args in (["--help"], ["warehouse", "--help"], *[["warehouse", c, "--help"] for c in
                                                       ("up", "down", "url", "status", "migrate")]):
        proc = _concord(*args, env_url=BAD_URL)
        assert proc.returncode == 0, args
        assert "Usage" in proc.stdout, args
