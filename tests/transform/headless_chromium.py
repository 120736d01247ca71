"""Render a page in Debian's headless Chromium over the DevTools protocol (websockets, no Playwright here):
console errors, uncaught exceptions and failed loads, a full-page screenshot, and a JS expression's value."""

from __future__ import annotations

import base64
import itertools
import json
import re
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM = "/usr/bin/chromium"


@dataclass
class RenderedPage:
    errors: list[str] = field(default_factory=list)
    value: Any = None
    screenshot: Path | None = None


def _devtools_port(proc: subprocess.Popen[str], deadline: float) -> int:
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
        if match:
            return int(match.group(1))
        if not line and proc.poll() is not None:
            break
    raise RuntimeError("chromium did not start its DevTools endpoint")


def render(url: str, screenshot: Path, expression: str, timeout: float = 60.0) -> RenderedPage:
    """Load `url`, wait for the load event, evaluate `expression` (returned by value), screenshot the full page."""
    page = RenderedPage()
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="concord-chromium-") as profile:
        proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1100,1400", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            port = _devtools_port(proc, deadline)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
                targets = json.load(resp)
            ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")
            with connect(ws_url, max_size=64 * 1024 * 1024, open_timeout=10) as ws:
                ids = itertools.count(1)

                def call(method: str, **params: Any) -> dict[str, Any]:
                    msg_id = next(ids)
                    ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
                    while True:
                        msg = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 1)))
                        if msg.get("id") == msg_id:
                            if "error" in msg:
                                raise RuntimeError(f"{method}: {msg['error']}")
                            return msg.get("result", {})
                        _collect(msg, page)

                for domain in ("Page", "Runtime", "Log", "Network"):
                    call(f"{domain}.enable")
                call("Page.navigate", url=url)
                while True:
                    msg = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 1)))
                    _collect(msg, page)
                    if msg.get("method") == "Page.loadEventFired":
                        break
                result = call("Runtime.evaluate", expression=expression, returnByValue=True)
                page.value = result.get("result", {}).get("value")
                shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                page.screenshot = screenshot
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return page


def _collect(msg: dict[str, Any], page: RenderedPage) -> None:
    method, params = msg.get("method"), msg.get("params") or {}
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        page.errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
    elif method == "Runtime.exceptionThrown":
        page.errors.append("exception: " + str(params.get("exceptionDetails", {}).get("text")))
    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        page.errors.append("log: " + str(params["entry"].get("text")))
    elif method == "Network.loadingFailed":
        page.errors.append("network: " + str(params.get("errorText")))
