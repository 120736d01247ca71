"""singer-sdk's standard tap tests against the live Stripe emulator (real HTTP, small seeded sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from singer_sdk.testing import get_tap_test_class
from stripe_support import SECRET_KEY, copy_sandbox, free_port, running
from tap_stripe.tap import TapStripe

# The standard test class is built at import, so the port (and the key, derived from the seed) are fixed here;
# the session fixture below starts the emulator on that port before the class's sync runs.
PORT = free_port()
CONFIG = {"api_url": f"http://127.0.0.1:{PORT}", "api_key": SECRET_KEY, "start_date": "2020-01-01T00:00:00Z",
          "backoff_base_seconds": 0.05}


@pytest.fixture(scope="session", autouse=True)
def _standard_emulator(seeded_sandbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    db = copy_sandbox(seeded_sandbox, tmp_path_factory.mktemp("stripe_standard"))
    with running(db, port=PORT):
        yield


_StandardTests = get_tap_test_class(TapStripe, config=CONFIG)


@pytest.mark.xdist_group("stripe_standard")
class TestTapStripe(_StandardTests):  # type: ignore[misc,valid-type]
    """The standard suite: discovery, sync of every stream, primary keys, attribute types."""
