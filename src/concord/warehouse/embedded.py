"""The embedded warehouse: a private PostgreSQL cluster under `.concord/pg`, started on a free loopback port.

Used only when CONCORD_WAREHOUSE_URL is unset. `up` is idempotent (a running cluster is reused, a crashed one
is restarted, a taken port is replaced by a free one) and serialised across processes by a file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from concord.errors import WarehouseError
from concord.paths import state_dir

SUPERUSER = "concord"
DATABASE = "concord"
_CONF_MARK = "# --- concord embedded settings ---"


def _find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise WarehouseError(
        f"PostgreSQL server binary '{name}' was not found on PATH or under /usr/lib/postgresql/*/bin. "
        "Install the PostgreSQL server (Debian: apt-get install postgresql), or set CONCORD_WAREHOUSE_URL "
        "to use an existing server."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class ClusterStatus:
    """What `concord warehouse status` reports for the embedded cluster."""

    initialized: bool
    running: bool
    port: int | None
    data_dir: Path

    @property
    def url(self) -> str | None:
        return cluster_url(self.port) if self.running and self.port else None


def cluster_url(port: int) -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"


class EmbeddedCluster:
    """A PostgreSQL cluster owned by Concord, rooted at `root` (default `.concord/pg`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(os.path.abspath(root or state_dir() / "pg"))
        self._lock_file = self.root.parent / f".{self.root.name}.lock"

    @property
    def home(self) -> Path:
        """Where the server's files live: `root`, or the folder `root` links to (see `_place_home`)."""
        return self.root.resolve()

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"

    # -- privileges: initdb and postgres refuse to run as root -------------------------------------------
    def _os_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        wanted = os.environ.get("CONCORD_PG_OS_USER")
        for name in ([wanted] if wanted else []) + ["postgres", "nobody"]:
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        raise WarehouseError("Running as root, and no unprivileged user (postgres, nobody) exists to run PostgreSQL.")

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        user = self._os_user()
        cmd = (["runuser", "-u", user, "--", *args]) if user else args
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/", check=False)
        if check and proc.returncode != 0:
            raise WarehouseError(
                f"'{' '.join(args[:2])}' failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()} "
                f"See {self.log_file} for the server log."
            )
        return proc

    def _chown(self, path: Path) -> None:
        user = self._os_user()
        if user:
            info = pwd.getpwnam(user)
            os.chown(path, info.pw_uid, info.pw_gid)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._lock_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_file, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- state -----------------------------------------------------------------------------------------
    def _initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def _running_port(self) -> int | None:
        """The port of the live postmaster, or None. Reads postmaster.pid and checks the process exists."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 4:
            return None
        try:
            pid, port = int(lines[0]), int(lines[3])
        except ValueError:
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        proc = self._run([_find_binary("pg_ctl"), "status", "-D", str(self.data_dir)], check=False)
        return port if proc.returncode == 0 else None

    def status(self) -> ClusterStatus:
        port = self._running_port() if self._initialized() else None
        return ClusterStatus(self._initialized(), port is not None, port, self.data_dir)

    # -- lifecycle -------------------------------------------------------------------------------------
    def _place_home(self) -> None:
        """Create `root`. As root, the server's user must reach it; when an ancestor folder is private
        (e.g. a checkout under a 0700 home or temp dir), the files go to /var/lib/concord-pg/<hash> and
        `root` becomes a link there, so nothing outside the project is made world-readable."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        user = self._os_user()
        if self.root.exists() or user is None:
            self.root.mkdir(exist_ok=True)
            self._chown(self.root)
            return
        reachable = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(self.root.parent)], check=False)
        if reachable.returncode == 0:
            self.root.mkdir()
        else:
            digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
            target = Path("/var/lib/concord-pg") / digest
            target.mkdir(parents=True, exist_ok=True)
            self.root.symlink_to(target, target_is_directory=True)
        self._chown(self.home)

    def _initdb(self) -> None:
        self._place_home()
        if self.data_dir.exists():  # a half-made data dir from an interrupted initdb
            shutil.rmtree(self.data_dir)
        self._run([
            _find_binary("initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-instructions",
        ])

    def _write_port(self, port: int) -> None:
        conf = self.data_dir / "postgresql.conf"
        text = conf.read_text()
        head = text.split(_CONF_MARK)[0].rstrip("\n")
        settings = (
            f"\n{_CONF_MARK}\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n"
            "max_connections = 200\nshared_buffers = 256MB\nmax_wal_size = 2GB\n"
        )
        conf.write_text(head + "\n" + settings)

    def _configured_port(self) -> int | None:
        conf = (self.data_dir / "postgresql.conf").read_text()
        for line in conf.split(_CONF_MARK)[-1].splitlines():
            if line.startswith("port = "):
                return int(line.split("=")[1])
        return None

    def up(self, timeout: float = 60.0) -> str:
        """Start the cluster if it is not running (initialising it first if needed); return its URL."""
        with self._locked():
            if not self._initialized():
                self._initdb()
            port = self._running_port()
            if port is None:
                port = self._configured_port()
                if port is None or not _port_is_free(port):
                    port = _free_port()
                    self._write_port(port)
                self.log_file.touch()
                self._chown(self.log_file)
                self._run([
                    _find_binary("pg_ctl"), "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                    "-w", "-t", str(int(timeout)),
                ])
            self._ensure_database(port, timeout)
            return cluster_url(port)

    def _ensure_database(self, port: int, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(
                    f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres", autocommit=True, connect_timeout=5
                ) as conn:
                    exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
                    if not exists:
                        conn.execute(f'create database "{DATABASE}"')
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise WarehouseError(f"The embedded PostgreSQL on port {port} does not accept connections: {exc}") from exc
                time.sleep(0.2)

    def down(self) -> bool:
        """Stop the cluster; True if it was running."""
        with self._locked():
            if not self._initialized() or self._running_port() is None:
                return False
            self._run([_find_binary("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w"])
            return True

    def destroy(self) -> None:
        """Stop the cluster and delete its files."""
        self.down()
        home = self.home
        if self.root.is_symlink():
            self.root.unlink()
        shutil.rmtree(home, ignore_errors=True)
