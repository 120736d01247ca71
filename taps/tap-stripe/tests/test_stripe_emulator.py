"""The Stripe emulator's HTTP contract: auth, the error envelope, lists and cursors, filters, expansion,
events, invoice lines, rate limiting, writes with idempotency."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from stripe_support import (
    SECRET_KEY,
    Emulator,
    add_embedded,
    add_invoice_lines,
    clock,
    query,
    run_tap,
    running,
    set_clock,
)

pytestmark = pytest.mark.xdist_group("stripe_emulator")
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
HTTP = httpx.Client(timeout=30)  # one client: a new one per request costs ~75 ms of TLS context set-up


def get(emulator: Emulator, path: str, params: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return HTTP.get(emulator.url + path, params=params, headers=AUTH if headers is None else headers, timeout=30)


def walk(emulator: Emulator, path: str, params: dict[str, Any], direction: str) -> list[str]:
    """Ids of a whole list, following `starting_after` or `ending_before`."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = get(emulator, path, {**params, **({direction: cursor} if cursor else {})}).json()
        assert page["object"] == "list" and page["url"] == path
        data = [o["id"] for o in page["data"]]
        ids.extend(data if direction == "starting_after" else reversed(data))
        if not page["has_more"]:
            return ids
        cursor = data[-1] if direction == "starting_after" else data[0]


def test_auth_bearer_basic_and_refusals(shared_emulator: Emulator) -> None:
    basic = {"Authorization": "Basic " + base64.b64encode(f"{SECRET_KEY}:".encode()).decode()}
    assert get(shared_emulator, "/v1/customers", {"limit": 1}, basic).status_code == 200
    assert get(shared_emulator, "/v1/customers", {"limit": 1}).status_code == 200
    missing = get(shared_emulator, "/v1/customers", headers={})
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "invalid_request_error"
    wrong_key = "sk_test_51SandboxWRONGWRONGWRONG1234"
    wrong = get(shared_emulator, "/v1/customers", headers={"Authorization": f"Bearer {wrong_key}"})
    assert wrong.status_code == 401
    assert wrong_key not in wrong.text and "1234" in wrong.json()["error"]["message"]


def test_unknown_routes_and_methods_answer_with_the_envelope(shared_emulator: Emulator) -> None:
    for response in (get(shared_emulator, "/v1/widgets"), get(shared_emulator, "/nowhere"),
                     HTTP.put(shared_emulator.url + "/v1/customers", headers=AUTH)):
        assert response.status_code == 404
        assert set(response.json()["error"]) >= {"type", "message"}
    absent = get(shared_emulator, "/v1/customers/cus_doesnotexist")
    assert absent.status_code == 404 and absent.json()["error"]["code"] == "resource_missing"


@pytest.mark.parametrize("limit", [0, 101, "x"])
def test_limit_outside_1_to_100_is_rejected(shared_emulator: Emulator, limit: object) -> None:
    response = get(shared_emulator, "/v1/customers", {"limit": limit})
    assert response.status_code == 400 and response.json()["error"]["param"] == "limit"


@pytest.mark.parametrize("path,table", [("/v1/customers", "customers"), ("/v1/invoices", "invoices"),
                                        ("/v1/charges", "charges")])
def test_cursors_walk_the_whole_list_newest_first_both_ways(shared_emulator: Emulator, path: str,
                                                            table: str) -> None:
    db = shared_emulator.store.path
    expected = [r[0] for r in query(db, f"select id from {table} where deleted = 0 order by created desc, id desc")]
    forward = walk(shared_emulator, path, {"limit": 100}, "starting_after")
    assert forward == expected
    backward = walk(shared_emulator, path, {"limit": 37, "ending_before": expected[-1]}, "ending_before")
    assert backward == expected[-2::-1]  # oldest first: walking back from the oldest towards the newest


def test_created_filters(shared_emulator: Emulator) -> None:
    db = shared_emulator.store.path
    low, high = query(db, "select min(created), max(created) from invoices")[0]
    mid = (low + high) // 2
    expected = query(db, "select count(*) from invoices where created >= ? and created < ?", low, mid)[0][0]
    ids = walk(shared_emulator, "/v1/invoices", {"limit": 100, "created[gte]": low, "created[lt]": mid},
               "starting_after")
    assert len(ids) == expected > 0
    exact = get(shared_emulator, "/v1/invoices", {"created": low, "limit": 100}).json()["data"]
    assert exact and all(o["created"] == low for o in exact)


def test_expand_ids_into_objects(shared_emulator: Emulator) -> None:
    page = get(shared_emulator, "/v1/invoices", {"limit": 3, "expand[]": ["data.customer"]}).json()
    assert all(inv["customer"]["object"] == "customer" for inv in page["data"])
    invoice_id = page["data"][0]["id"]
    one = get(shared_emulator, f"/v1/invoices/{invoice_id}", {"expand[]": "customer"}).json()
    assert one["customer"]["id"] == page["data"][0]["customer"]["id"]
    bad = get(shared_emulator, f"/v1/invoices/{invoice_id}", {"expand[]": "number"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "expand"


def test_subscriptions_hide_canceled_unless_status_all(shared_emulator: Emulator) -> None:
    db = shared_emulator.store.path
    canceled = query(db, "select count(*) from subscriptions where status = 'canceled'")[0][0]
    total = query(db, "select count(*) from subscriptions")[0][0]
    assert canceled > 0
    default = walk(shared_emulator, "/v1/subscriptions", {"limit": 100}, "starting_after")
    every = walk(shared_emulator, "/v1/subscriptions", {"limit": 100, "status": "all"}, "starting_after")
    assert (len(default), len(every)) == (total - canceled, total)


def test_events_type_filters_previous_attributes_and_retention(private_sandbox: Path) -> None:
    with running(private_sandbox) as emulator:
        wildcard = walk(emulator, "/v1/events", {"limit": 100, "type": "invoice.*"}, "starting_after")
        marks = ",".join("?" * len(wildcard))
        types = {r[0] for r in query(private_sandbox, f"select type from events where id in ({marks})", *wildcard)}
        assert types and all(t.startswith("invoice.") for t in types)
        listed = get(emulator, "/v1/events", {"limit": 100, "types[]": ["invoice.paid", "charge.refunded"]}).json()
        assert {e["type"] for e in listed["data"]} == {"invoice.paid", "charge.refunded"}
        paid = next(e for e in listed["data"] if e["type"] == "invoice.paid")
        assert paid["data"]["object"]["status"] == "paid" and paid["data"]["previous_attributes"]["status"] == "open"
        everything = len(walk(emulator, "/v1/events", {"limit": 100}, "starting_after"))
        now = clock(private_sandbox)
        set_clock(private_sandbox, now + 20 * 86400)  # events older than now - 30 days disappear
        visible = len(walk(emulator, "/v1/events", {"limit": 100}, "starting_after"))
        retained = query(private_sandbox, "select count(*) from events where created >= ?", now - 10 * 86400)[0][0]
        assert visible == retained < everything


def test_invoice_lines_beyond_ten_page_through_lines_endpoint(private_sandbox: Path) -> None:
    invoice_id = query(private_sandbox, "select id from invoices order by created desc limit 1")[0][0]
    line_ids = add_invoice_lines(private_sandbox, invoice_id, 25)
    with running(private_sandbox) as emulator:
        embedded = get(emulator, f"/v1/invoices/{invoice_id}").json()["lines"]
        assert embedded["has_more"] is True and [x["id"] for x in embedded["data"]] == line_ids[:10]
        path = f"/v1/invoices/{invoice_id}/lines"
        assert walk(emulator, path, {"limit": 7}, "starting_after") == line_ids
        assert walk(emulator, path, {"limit": 4, "ending_before": line_ids[-1]}, "ending_before") == line_ids[-2::-1]


def test_subscription_items_beyond_ten_page_and_the_tap_reassembles_lines_and_items(private_sandbox: Path) -> None:
    sub_id = query(private_sandbox, "select id from subscriptions order by created desc limit 1")[0][0]
    invoice_id = query(private_sandbox, "select id from invoices order by created desc limit 1")[0][0]
    item_ids = add_embedded(private_sandbox, "subscriptions", sub_id, "items", 14)
    line_ids = add_invoice_lines(private_sandbox, invoice_id, 31)
    with running(private_sandbox) as emulator:
        embedded = get(emulator, f"/v1/subscriptions/{sub_id}").json()["items"]
        assert embedded["has_more"] is True and len(embedded["data"]) == 10
        assert walk(emulator, "/v1/subscription_items", {"subscription": sub_id, "limit": 4},
                    "starting_after") == item_ids
        missing = get(emulator, "/v1/subscription_items")
        assert missing.status_code == 400 and missing.json()["error"]["param"] == "subscription"
        synced = run_tap(emulator.config(streams=["subscriptions", "invoices"], page_size=6))
    records = {(m["stream"], m["record"]["id"]): m["record"] for m in synced.records}
    assert [i["id"] for i in records[("subscriptions", sub_id)]["items"]["data"]] == item_ids
    assert [x["id"] for x in records[("invoices", invoice_id)]["lines"]["data"]] == line_ids
    assert not records[("invoices", invoice_id)]["lines"]["has_more"]


def test_rate_limit_answers_429_with_retry_after(private_sandbox: Path) -> None:
    with running(private_sandbox, rate_limit=3) as emulator:
        statuses = [get(emulator, "/v1/products", {"limit": 1}) for _ in range(8)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].json()["error"]["code"] == "rate_limit"


def test_metadata_update_emits_event_and_honours_idempotency_key(private_sandbox: Path) -> None:
    customer_id = query(private_sandbox, "select id from customers where deleted = 0 limit 1")[0][0]
    with running(private_sandbox) as emulator:
        url = f"{emulator.url}/v1/customers/{customer_id}"
        headers = {**AUTH, "Idempotency-Key": "wb-1", "Stripe-Version": "2026-10-28.endive"}
        first = HTTP.post(url, data={"metadata[concord_account_id]": "CA-1"}, headers=headers)
        again = HTTP.post(url, data={"metadata[concord_account_id]": "CA-1"}, headers=headers)
        other = HTTP.post(url, data={"metadata[concord_account_id]": "CA-2"}, headers=headers)
        events = get(emulator, "/v1/events", {"type": "customer.updated", "limit": 100}).json()["data"]
    assert first.status_code == 200 and first.json()["metadata"]["concord_account_id"] == "CA-1"
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == first.content
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"
    mine = [e for e in events if e["data"]["object"]["id"] == customer_id]
    assert len(mine) == 1  # the replay and the refused request changed nothing
    assert mine[0]["data"]["previous_attributes"] == {"metadata": {"concord_account_id": None}}


def test_deleted_customer_is_retrievable_as_deleted_and_unlisted(private_sandbox: Path) -> None:
    customer_id = query(private_sandbox, "select id from customers where deleted = 0 limit 1")[0][0]
    with running(private_sandbox) as emulator:
        deleted = HTTP.delete(f"{emulator.url}/v1/customers/{customer_id}", headers=AUTH).json()
        assert deleted == {"id": customer_id, "object": "customer", "deleted": True}
        assert get(emulator, f"/v1/customers/{customer_id}").json()["deleted"] is True
        assert customer_id not in walk(emulator, "/v1/customers", {"limit": 100}, "starting_after")
        event = get(emulator, "/v1/events", {"type": "customer.deleted", "limit": 1}).json()["data"][0]
        assert event["data"]["object"]["id"] == customer_id and event["data"]["object"].get("email")
