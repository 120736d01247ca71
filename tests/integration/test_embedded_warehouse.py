"""The embedded cluster against real PostgreSQL binaries: idempotent up, crash recovery, down, port reuse."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest

from concord.warehouse.embedded import EmbeddedCluster

pytestmark = pytest.mark.xdist_group("embedded_cluster")


@pytest.fixture
def cluster(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedCluster:
    # pytest's temp folders are private (0700): as root this also exercises the relocated-home path.
    c = EmbeddedCluster(tmp_path_factory.mktemp("pg") / "cluster")
    yield c
    c.destroy()


def _postmaster_pid(c: EmbeddedCluster) -> int:
    return int((c.data_dir / "postmaster.pid").read_text().splitlines()[0])


def test_up_twice_is_one_cluster_and_down_stops_it(cluster: EmbeddedCluster) -> None:
    url1 = cluster.up()
    pid1 = _postmaster_pid(cluster)
    url2 = cluster.up()
    assert url1 == url2
    assert _postmaster_pid(cluster) == pid1
    with psycopg.connect(url1) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    status = cluster.status()
    assert status.running and status.url == url1
    assert cluster.down() is True
    assert cluster.status().running is False
    assert cluster.down() is False
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url1, connect_timeout=2)


def test_up_after_crash_recovers_with_data(cluster: EmbeddedCluster) -> None:
    url = cluster.up()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table kept (v int)")
        conn.execute("insert into kept values (42)")
    os.kill(_postmaster_pid(cluster), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while cluster.status().running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not cluster.status().running
    url2 = cluster.up()
    with psycopg.connect(url2) as conn:
        assert conn.execute("select v from kept").fetchone() == (42,)


def test_taken_port_is_replaced(cluster: EmbeddedCluster) -> None:
    import socket

    url = cluster.up()
    port = int(url.split(":")[2].split("/")[0])
    cluster.down()
    with socket.socket() as blocker:
        # The stopped server's side of recent connections may sit in TIME_WAIT on this port.
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        url2 = cluster.up()
    assert url2 != url
    with psycopg.connect(url2) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_status_of_uninitialised_cluster(tmp_path: Path) -> None:
    st = EmbeddedCluster(tmp_path / "none").status()
    assert not st.initialized and not st.running and st.url is None
