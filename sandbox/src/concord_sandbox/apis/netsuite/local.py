"""Serving the emulator inside the current process (tests, benchmarks): uvicorn in a thread on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any, start_timeout: float = 10.0) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 in a daemon thread; yields its base URL and stops it on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name=f"netsuite-emulator-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the NetSuite emulator did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> None:
    """`python -m concord_sandbox.apis.netsuite.local DB PORT`: serve the emulator over DB in the foreground
    (benchmarks run it in its own process so the tap under test does not share the GIL with it)."""
    import sys
    from pathlib import Path

    from concord_sandbox.apis.netsuite import create_app
    from concord_sandbox.store import Store

    db, port = (argv if argv is not None else sys.argv[1:])[:2]
    uvicorn.run(create_app(Store(Path(db))), host="127.0.0.1", port=int(port), log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
