"""`make airflow`: `airflow standalone` (API server + UI, scheduler, DAG processor, triggerer) on dags/ with the
project's settings (AIRFLOW_HOME .concord/airflow, its metadata database, the pools, the dbt manifest).

Airflow's simple auth manager generates the `admin` password on first start into AIRFLOW_HOME (never in the repo);
this prints it once it exists. The UI listens on 127.0.0.1:$CONCORD_AIRFLOW_PORT (default 8080).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


def _password_file(home: Path) -> Path:
    return home / "simple_auth_manager_passwords.json.generated"


def _announce_password(home: Path, port: str) -> None:
    path = _password_file(home)
    for _ in range(600):
        if path.is_file():
            try:
                users = json.loads(path.read_text())
            except ValueError:
                time.sleep(1)
                continue
            for user, password in users.items():
                print(f"\nairflow UI: http://127.0.0.1:{port}  user {user}  password {password}  (from {path})\n",
                      flush=True)
            return
        time.sleep(1)


def main() -> None:
    from concord.airflow_env import airflow_environment, airflow_home
    from concord.orchestration.dag_runner import prepare_airflow

    port = os.environ.get("CONCORD_AIRFLOW_PORT", "8080")
    os.environ.setdefault("AIRFLOW__API__PORT", port)
    os.environ.setdefault("AIRFLOW__API__HOST", "127.0.0.1")
    os.environ.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
    prepare_airflow()
    env = {**os.environ, **airflow_environment()}
    # `airflow standalone` starts its components as `airflow <command>` through PATH: put this venv's bin first.
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    threading.Thread(target=_announce_password, args=(airflow_home(), port), daemon=True).start()
    print(f"airflow standalone: dags {env['AIRFLOW__CORE__DAGS_FOLDER']}, home {env['AIRFLOW_HOME']} (Ctrl-C stops)",
          flush=True)
    airflow = str(Path(sys.executable).with_name("airflow"))
    # Its own process group: Ctrl-C or a SIGTERM to this process stops the scheduler, dag-processor, triggerer,
    # api-server and their workers with it, none left running. The handler only signals: waiting inside it
    # would deadlock on the Popen lock the interrupted proc.wait() holds.
    proc = subprocess.Popen([airflow, "standalone"], env=env, start_new_session=True)
    signal.signal(signal.SIGTERM, lambda *_: _signal_group(proc.pid, signal.SIGTERM))
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        _signal_group(proc.pid, signal.SIGTERM)
        code = proc.wait()
    finally:
        _reap_group(proc.pid)
    sys.exit(code)


def _signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to the process group; False when none of it is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def _reap_group(pgid: int, grace: float = 20.0) -> None:
    """Give what is left of the group `grace` seconds to exit after a SIGTERM, then SIGKILL it."""
    if not _signal_group(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _signal_group(pgid, 0):
            return
        time.sleep(0.5)
    _signal_group(pgid, signal.SIGKILL)


if __name__ == "__main__":
    main()
