"""Fixtures for the Salesforce emulator tests: the shared read-only emulator and private writable ones
(see `concord_sandbox.apis.salesforce.fixtures`), and an authenticated HTTP session on the shared one."""

from __future__ import annotations

import pytest
import requests
from concord_sandbox.apis.salesforce.fixtures import sf_db_copy, sf_private, sf_shared
from concord_sandbox.apis.salesforce.live import LiveEmulator
from sf_http_helpers import login

__all__ = ["sf_db_copy", "sf_http", "sf_private", "sf_shared"]


@pytest.fixture(scope="session")
def sf_http(sf_shared: LiveEmulator) -> requests.Session:
    return login(sf_shared)
