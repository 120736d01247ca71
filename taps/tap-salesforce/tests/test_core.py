"""singer-sdk's standard tap tests against the live emulator (small seeded sandbox)."""

from __future__ import annotations

import pytest
from concord_sandbox.apis.salesforce.live import shared_small_emulator
from singer_sdk.testing import get_tap_test_class
from tap_salesforce.tap import TapSalesforce

# The standard suite builds its tests from the tap's discovered streams while collecting, so the emulator
# must be up at import time; it is the same process-wide emulator the `sf_shared` fixture returns.
_CONFIG = shared_small_emulator().tap_config()

_StandardTests = get_tap_test_class(tap_class=TapSalesforce, config=_CONFIG)


@pytest.mark.xdist_group("tap-salesforce-standard")
class TestTapSalesforce(_StandardTests):  # type: ignore[misc, valid-type]
    """The standard tap tests (discovery, sync, catalog, schema and attribute checks)."""
