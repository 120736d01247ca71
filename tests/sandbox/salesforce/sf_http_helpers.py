"""HTTP helpers for the Salesforce emulator tests."""

from __future__ import annotations

import requests
from concord_sandbox.apis.salesforce.live import LiveEmulator

API = "/services/data/v62.0"


def login(emulator: LiveEmulator) -> requests.Session:
    """A requests session holding a Bearer token from the client-credentials flow; `.base` is the API root."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {emulator.access_token()}"
    http.base = emulator.base_url + API  # type: ignore[attr-defined]
    return http
