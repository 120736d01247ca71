"""`make airflow`: `airflow standalone` (API server + UI, scheduler, DAG processor, triggerer) on dags/ with the
project's settings (AIRFLOW_HOME .concord/airflow, its metadata database, the pools, the dbt manifest).

Airflow's simple auth manager generates the `admin` password on first start into AIRFLOW_HOME (never in the repo);
this prints it once it exists. The UI listens on 127.0.0.1:$CONCORD_AIRFLOW_PORT (default 8080).
"""

from __future__ import annotations

import json
import os
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
    proc = subprocess.Popen([airflow, "standalone"], env=env)
    try:
        sys.exit(proc.wait())
    except KeyboardInterrupt:
        proc.terminate()
        sys.exit(proc.wait())


if __name__ == "__main__":
    main()
