"""HTTP helpers for the Salesforce emulator tests."""

from __future__ import annotations

import requests
from concord_sandbox.apis.salesforce.live import LiveEmulator

API = "/services/data/v62.0"


def login(emulator: LiveEmulator) -> requests.Session:
    """A requests session holding a Bearer token from the client-credentials flow; `.base` is the API root."""
    creds = emulator.store.credentials("salesforce")
    response = requests.post(f"{emulator.base_url}/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": creds["client_id"],
        "client_secret": creds["client_secret"]}, timeout=10)
    response.raise_for_status()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    http.base = emulator.base_url + API  # type: ignore[attr-defined]
    return http
