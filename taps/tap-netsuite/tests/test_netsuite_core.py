"""singer-sdk's standard tap tests against the live NetSuite emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from netsuite_emulator import Emulator
from singer_sdk.testing import get_tap_test_class
from tap_netsuite.tap import TapNetSuite

# Filled in place by the fixture below once the emulator runs; the SDK's runner holds this same dict.
SAMPLE_CONFIG: dict[str, Any] = {"account_id": "1234567_SB1", "base_url": "http://127.0.0.1:9",
                                 "consumer_key": "placeholder", "consumer_secret": "placeholder",
                                 "token_id": "placeholder", "token_secret": "placeholder"}

_StandardTests = get_tap_test_class(tap_class=TapNetSuite, config=SAMPLE_CONFIG)


@pytest.mark.xdist_group("netsuite_standard")
class TestTapNetSuiteStandard(_StandardTests):  # type: ignore[misc,valid-type]
    """The SDK's tap, stream and attribute tests."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _point_at_emulator(cls, netsuite_emulator: Emulator) -> Iterator[None]:
        SAMPLE_CONFIG.update(netsuite_emulator.tap_config())
        yield
