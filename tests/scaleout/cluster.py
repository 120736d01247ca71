"""A real Airflow cluster of native processes for the scale-out test: CeleryExecutor, Redis broker, PostgreSQL
metadata database and Celery result backend, one process per component, two Celery workers.

Every process starts in its own session; `stop()` terminates each session (SIGTERM, then SIGKILL), including
children that moved to another process group (task runners, Celery pool processes). Redis isolation: a
database index that is empty when the test starts and a queue name unique to the run; the keys the run
created are removed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_members(sid: int) -> list[int]:
    """PIDs whose session id is `sid` (children that left the leader's process group included)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[3]) == sid:  # fields after the name: state, ppid, pgrp, session, ...
            pids.append(int(entry.name))
    return pids


def _signal_session(sid: int, sig: int) -> None:
    for pid in _session_members(sid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def pick_redis_db() -> int:
    """A Redis database index (1-15) holding no keys right now, tried in random order."""
    candidates = list(range(1, 16))
    random.shuffle(candidates)
    for index in candidates:
        if redis.Redis(REDIS_HOST, REDIS_PORT, db=index).dbsize() == 0:
            return index
    raise RuntimeError("every Redis database 1-15 on 127.0.0.1:6379 holds keys; cannot isolate the test")


@dataclass
class Component:
    name: str
    proc: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class AirflowCluster:
    """Native Airflow processes sharing one configuration (environment variables only, no airflow.cfg edits)."""

    home: Path
    metadata_url: str  # postgresql://... of a fresh database
    dags_folder: Path
    extra_env: dict[str, str]
    worker_env: dict[str, dict[str, str]] = field(default_factory=dict)  # per worker node, on top of env
    run_token: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    components: list[Component] = field(default_factory=list)
    api_port: int = field(default_factory=free_port)
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.redis_db = pick_redis_db()
        self.queue = f"concord_scaleout_{self.run_token}"
        (self.home / "passwords.json").write_text(json.dumps({"admin": self.admin_password}))
        sqlalchemy_url = self.metadata_url.replace("postgresql://", "postgresql+psycopg2://", 1)
        self.env = {
            **os.environ,
            **self.extra_env,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "concord.airflow_hostname.hostname",
            "AIRFLOW__CORE__FERNET_KEY": "",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.api_port}",
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{self.metadata_url}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "3",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            # Only runs triggered through the API: no scheduled run may start beside the one under test.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            # A loaded machine (CI shares two cores) can keep the api-server busy for tens of seconds; the default
            # 5 s makes a worker retry a request the server then completes, which fails the task.
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "120",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "SCARF_ANALYTICS": "false",
            "DO_NOT_TRACK": "1",
        }

    # -- processes ---------------------------------------------------------------------------------------
    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(BIN / "airflow"), *args], env=self.env, capture_output=True, text=True,
                              check=False, timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(f"airflow {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        return proc

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Component:
        log = self.home / f"{name}.log"
        with log.open("ab") as fh:
            proc = subprocess.Popen([str(BIN / "airflow"), *args], env={**self.env, **(env or {})},
                                    stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        component = Component(name, proc, log)
        self.components.append(component)
        return component

    def start_worker(self, node: str) -> Component:
        """`airflow celery worker` as Celery node `<node>@<host>`, recording `node` as its task hostname."""
        return self.start(
            node, "celery", "worker", "--celery-hostname", f"{node}@%h", "--queues", self.queue,
            "--concurrency", "3", "--without-mingle", "--without-gossip",
            env={"CONCORD_NODE_NAME": node,
                 "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                 **self.worker_env.get(node, {})},
        )

    def assert_running(self) -> None:
        for c in self.components:
            if c.proc.poll() is not None:
                raise AssertionError(f"{c.name} exited with {c.proc.returncode}:\n{c.tail()}")

    def stop(self) -> None:
        """Terminate every component's session, then kill what is left; remove this run's Redis keys."""
        for c in self.components:
            _signal_session(c.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for c in self.components:
            with contextlib.suppress(subprocess.TimeoutExpired):
                c.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for c in self.components:
            _signal_session(c.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                c.proc.wait(timeout=5)
        self.cleanup_redis()

    def leftover_pids(self) -> list[int]:
        return [pid for c in self.components for pid in _session_members(c.proc.pid)]

    def cleanup_redis(self) -> None:
        """Delete this run's keys from its Redis database (queue, bindings, unacked entries naming it)."""
        client = redis.Redis(REDIS_HOST, REDIS_PORT, db=self.redis_db)
        for key in client.scan_iter("*"):
            name = key.decode(errors="replace")
            kind = client.type(key).decode()
            if self.queue in name:
                client.delete(key)
            elif kind == "set":
                mine = [m for m in client.smembers(key) if self.queue.encode() in m
                        or any(n.encode() in m for n in self.nodes)]
                if mine:
                    client.srem(key, *mine)
            elif kind == "zset" and name == "_kombu.binding_deadlines":
                # Exchange binding deadlines (kombu 5.7): drop those whose bindings are gone with our workers.
                stale = [m for m in client.zrange(key, 0, -1)
                         if not client.exists(b"_kombu.binding." + m)]
                if stale:
                    client.zrem(key, *stale)
            elif kind == "hash" and name == "unacked":
                mine = [f for f, v in client.hgetall(key).items() if self.queue.encode() in v]
                if mine:
                    client.hdel(key, *mine)
                    client.zrem("unacked_index", *mine)

    @property
    def nodes(self) -> list[str]:
        return [c.name for c in self.components if c.name.startswith("worker-")]

    # -- REST API ----------------------------------------------------------------------------------------
    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def wait_for_api(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.assert_running()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api}/api/v2/monitor/health", timeout=5).status_code == 200:
                    # The execution API builds its versioned routes on first use: pay that before tasks call it.
                    httpx.get(f"{self.api}/execution/health", timeout=timeout)
                    return
            time.sleep(1)
        raise AssertionError(f"api-server not healthy after {timeout} s")

    def token(self) -> str:
        """A JWT from the simple auth manager's token endpoint (POST /auth/token with user and password)."""
        r = httpx.post(f"{self.api}/auth/token", json={"username": "admin", "password": self.admin_password},
                       timeout=60)
        assert r.status_code in (200, 201), r.text
        return r.json()["access_token"]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.api}/api/v2", headers={"Authorization": f"Bearer {self.token()}"},
                            timeout=60)
