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


def _command_paths(group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in getattr(group, "commands", {}).items():
        paths += _command_paths(command, (*prefix, name))
    return paths


def test_every_command_has_help() -> None:
    """Walks the whole command tree (sandbox, sync, replay, ... included) in-process."""
    import typer
    from typer.testing import CliRunner

    from concord.cli.main import app

    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 15 and ("warehouse", "migrate") in paths and ("sync",) in paths
    runner = CliRunner()
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output, path
