"""The lean record loop emits exactly what singer-sdk's own loop emits (records in order, final STATE)."""

from __future__ import annotations

import pytest
from stripe_support import Emulator, run_tap
from tap_stripe import client

pytestmark = pytest.mark.xdist_group("stripe_emulator")


def test_lean_loop_matches_singer_sdk_loop(shared_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    config = shared_emulator.config(streams=["customers", "credit_notes", "products"])
    lean = run_tap(config)
    monkeypatch.setattr(client, "lean_eligible", lambda stream, context: False)
    sdk = run_tap(config)
    assert [(m["stream"], m["record"]) for m in lean.records] == [(m["stream"], m["record"]) for m in sdk.records]
    assert lean.state == sdk.state and lean.state["bookmarks"]["customers"]["replication_key_value"] > 0
    for name in ("customers", "credit_notes", "products"):  # no STATE carries a stream's bookmark before its records
        last_record = max(i for i, m in enumerate(lean.messages) if m["type"] == "RECORD" and m["stream"] == name)
        first_bookmark = min(i for i, m in enumerate(lean.messages) if m["type"] == "STATE"
                             and "replication_key_value" in m["value"]["bookmarks"].get(name, {}))
        assert first_bookmark > last_record


def test_deselected_property_falls_back_to_singer_sdk(shared_emulator: Emulator) -> None:
    from tap_stripe.tap import TapStripe

    tap = TapStripe(config=shared_emulator.config(streams=["customers"]))
    stream = tap.streams["customers"]
    assert client.lean_eligible(stream, None)
    stream.metadata[("properties", "email")].selected = False
    stream._mask = None
    assert not client.lean_eligible(stream, None)
