"""The official `stripe` SDK (16.1), unmodified except for its base address, against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe
from stripe_support import SECRET_KEY, Emulator, add_invoice_lines, query, running

pytestmark = pytest.mark.xdist_group("stripe_emulator")


def client_for(emulator: Emulator) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": emulator.url}, max_network_retries=0)


@pytest.mark.parametrize("resource,table", [("customers", "customers"), ("invoices", "invoices")])
def test_auto_paging_in_both_directions(shared_emulator: Emulator, resource: str, table: str) -> None:
    db = shared_emulator.store.path
    # The newest ~400 objects: the SDK builds a StripeObject tree per object, ~3 ms per invoice.
    since = query(db, f"select created from {table} where deleted = 0 order by created desc limit 1 offset 400")[0][0]
    expected = [r[0] for r in query(db, f"select id from {table} where deleted = 0 and created >= ? "
                                        "order by created desc, id desc", since)]
    service = getattr(client_for(shared_emulator).v1, resource)
    window = {"limit": 100, "created": {"gte": since}}
    forward = [o.id for o in service.list(window).auto_paging_iter()]
    assert forward == expected
    backward = [o.id for o in service.list({**window, "ending_before": expected[-1]}).auto_paging_iter()]
    assert sorted(backward) == sorted(expected[:-1]) and len(backward) == len(expected) - 1


def test_invoice_full_lines(private_sandbox: Path) -> None:
    invoice_id = query(private_sandbox, "select id from invoices order by created desc limit 1")[0][0]
    line_ids = add_invoice_lines(private_sandbox, invoice_id, 23)
    with running(private_sandbox) as emulator:
        client = client_for(emulator)
        invoice = client.v1.invoices.retrieve(invoice_id)
        assert invoice.lines.has_more and len(invoice.lines.data) == 10
        lines = [line.id for line in client.v1.invoices.line_items.list(invoice_id, {"limit": 5}).auto_paging_iter()]
    assert lines == line_ids


def test_metadata_update_replayed_with_its_idempotency_key(private_sandbox: Path) -> None:
    customer_id = query(private_sandbox, "select id from customers where deleted = 0 limit 1")[0][0]
    with running(private_sandbox) as emulator:
        client = client_for(emulator)
        params = {"metadata": {"concord_account_id": "CA-42", "legal_entity": ""}}
        first = client.v1.customers.update(customer_id, params, {"idempotency_key": "wb-42"})
        replay = client.v1.customers.update(customer_id, params, {"idempotency_key": "wb-42"})
        assert first.metadata["concord_account_id"] == "CA-42" and "legal_entity" not in first.metadata
        assert replay.last_response is not None
        assert replay.last_response.headers.get("Idempotent-Replayed") == "true"
        assert replay.to_dict() == first.to_dict()
        with pytest.raises(stripe.IdempotencyError):
            client.v1.customers.update(customer_id, {"metadata": {"concord_account_id": "CA-43"}},
                                       {"idempotency_key": "wb-42"})
        assert client.v1.customers.retrieve(customer_id).metadata["concord_account_id"] == "CA-42"


def test_errors_map_to_the_sdk_exceptions(shared_emulator: Emulator) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client_for(shared_emulator).v1.customers.retrieve("cus_nosuchcustomer")
    assert missing.value.code == "resource_missing"
    bad = stripe.StripeClient("sk_test_51SandboxNotTheKey0000", base_addresses={"api": shared_emulator.url})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.customers.list()
