"""Clients whose signing no one here wrote, against the emulator: requests-oauthlib's OAuth1 (HMAC-SHA256)
pages SuiteQL to the end and upserts records; PyJWT signs the OAuth 2.0 client assertion."""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from netsuite_emulator import Emulator, copy_sandbox, running_emulator
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client
from requests_oauthlib import OAuth1

SUITEQL = "/services/rest/query/v1/suiteql"
pytestmark = pytest.mark.xdist_group("netsuite_shared")


def oauth1(emulator: Emulator, **override: str) -> OAuth1:
    c = {**emulator.store.credentials("netsuite"), **override}
    return OAuth1(c["consumer_key"], c["consumer_secret"], c["token_id"], c["token_secret"],
                  signature_method=SIGNATURE_HMAC_SHA256, realm=c["account_id"])


def suiteql(emulator: Emulator, auth: Any, query: str, limit: int = 1000, offset: int = 0) -> requests.Response:
    return requests.post(emulator.url + SUITEQL, params={"limit": limit, "offset": offset}, json={"q": query},
                         headers={"Prefer": "transient"}, auth=auth, timeout=30)


def test_oauth1_client_pages_a_query_to_the_end(netsuite_emulator: Emulator) -> None:
    auth = oauth1(netsuite_emulator)
    query = "SELECT id, tranid, foreigntotal FROM transaction WHERE type = 'CustInvc' ORDER BY id"
    ids: list[str] = []
    offset, total, pages = 0, None, 0
    while True:
        response = suiteql(netsuite_emulator, auth, query, limit=500, offset=offset)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"links", "count", "hasMore", "items", "offset", "totalResults"}
        assert page["offset"] == offset and page["count"] == len(page["items"])
        assert all(item["links"] == [] for item in page["items"])
        total = page["totalResults"]
        ids.extend(item["id"] for item in page["items"])
        pages += 1
        if not page["hasMore"]:
            break
        assert any(link["rel"] == "next" for link in page["links"])
        offset += page["count"]
    expected = netsuite_emulator.store.conn.execute(
        "select count(*) from \"transaction\" where type = 'CustInvc'").fetchone()[0]
    assert total == expected == len(ids) == len(set(ids))
    assert pages == -(-expected // 500)
    assert ids == sorted(ids, key=int)


def test_bad_signature_gets_netsuite_error_envelope(netsuite_emulator: Emulator) -> None:
    response = suiteql(netsuite_emulator, oauth1(netsuite_emulator, token_secret="wrong"), "SELECT id FROM currency")
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and body["type"].startswith("https://")
    assert body["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


def test_unsigned_request_is_rejected(netsuite_emulator: Emulator) -> None:
    assert suiteql(netsuite_emulator, None, "SELECT id FROM currency").status_code == 401


class _BodyHashClient(Client):
    """oauthlib's client plus an `oauth_body_hash` parameter (which oauthlib signs like any oauth_* one)."""

    body_hash = ""

    def get_oauth_params(self, request: Any) -> list[tuple[str, str]]:
        return [*super().get_oauth_params(request), ("oauth_body_hash", self.body_hash)]


def test_body_hash_is_accepted_and_checked(netsuite_emulator: Emulator) -> None:
    body = b'{"q": "SELECT id, symbol FROM currency"}'
    c = netsuite_emulator.store.credentials("netsuite")

    def send(hashed: bytes) -> requests.Response:
        client = _BodyHashClient(c["consumer_key"], c["consumer_secret"], c["token_id"], c["token_secret"],
                                 signature_method=SIGNATURE_HMAC_SHA256, realm=c["account_id"])
        client.body_hash = base64.b64encode(hashlib.sha256(hashed).digest()).decode()
        uri, headers, _ = client.sign(netsuite_emulator.url + SUITEQL + "?limit=10", http_method="POST")
        return requests.post(uri, data=body, headers={**headers, "Prefer": "transient",
                                                      "Content-Type": "application/json"}, timeout=30)

    ok = send(body)
    assert ok.status_code == 200, ok.text
    assert ok.json()["count"] == 6
    assert send(b"another body").status_code == 401


def test_invalid_queries_are_400_with_details(netsuite_emulator: Emulator) -> None:
    auth = oauth1(netsuite_emulator)
    for query in ("SELECT nosuchfield FROM customer", "SELECT id FROM nosuchtable", "DELETE FROM customer",
                  "SELECT _deleted_at FROM customer"):
        response = suiteql(netsuite_emulator, auth, query)
        assert response.status_code == 400, query
        assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_PARAMETER"
    assert suiteql(netsuite_emulator, auth, "SELECT id FROM currency", limit=1001).status_code == 400


def test_suiteql_subset_joins_functions_and_filters(netsuite_emulator: Emulator) -> None:
    auth = oauth1(netsuite_emulator)
    query = ("SELECT tl.transaction, tl.id, i.itemid, TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS ts "
             "FROM transactionline tl INNER JOIN transaction t ON tl.transaction = t.id "
             "INNER JOIN item i ON tl.item = i.id WHERE t.type IN ('CustInvc') AND NOT (i.isinactive = 'T') "
             "AND t.lastmodifieddate >= TO_TIMESTAMP('2025-06-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS') "
             "ORDER BY t.lastmodifieddate DESC, tl.transaction, tl.id")
    response = suiteql(netsuite_emulator, auth, query, limit=50)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items and all(set(i) == {"links", "transaction", "id", "itemid", "ts"} for i in items)
    stamps = [i["ts"] for i in items]
    assert stamps == sorted(stamps, reverse=True) and all("T" in s and s >= "2025-06-01" for s in stamps)


def upsert(emulator: Emulator, record: str, eid: str, body: dict[str, Any]) -> requests.Response:
    return requests.put(f"{emulator.url}/services/rest/record/v1/{record}/eid:{eid}", json=body,
                        auth=oauth1(emulator), timeout=30)


def test_record_upserts_through_the_same_client(seeded_netsuite_db: Path, tmp_path: Path) -> None:
    with running_emulator(copy_sandbox(seeded_netsuite_db, tmp_path)) as emu:
        created = upsert(emu, "customer", "cus_TEST1", {"companyName": "Test One", "subsidiary": {"id": "2"}})
        assert created.status_code == 204, created.text
        location = created.headers["Location"]
        assert location.startswith(emu.url + "/services/rest/record/v1/customer/")
        customer_id = int(location.rsplit("/", 1)[1])
        again = upsert(emu, "customer", "cus_TEST1", {"email": "ap@test.example"})
        assert again.status_code == 204 and again.headers["Location"] == location
        row = emu.store.conn.execute("select companyname, email, subsidiary, currency from customer where id = ?",
                                     (customer_id,)).fetchone()
        assert row == ("Test One", "ap@test.example", 2, 1)

        invoice = upsert(emu, "invoice", "in_TEST1", {
            "entity": {"externalId": "cus_TEST1"}, "tranDate": "2026-01-01", "memo": "TEST-0001",
            "item": {"items": [{"item": {"id": "101"}, "quantity": 2, "rate": 99.0, "taxCode": {"refName": "US-EXEMPT"}}]}})
        assert invoice.status_code == 204, invoice.text
        invoice_id = int(invoice.headers["Location"].rsplit("/", 1)[1])
        payment = upsert(emu, "customerPayment", "pi_TEST1", {
            "customer": {"id": str(customer_id)}, "payment": 198.0,
            "apply": {"items": [{"doc": {"id": str(invoice_id)}, "apply": True, "amount": 198.0}]}})
        assert payment.status_code == 204, payment.text
        status = emu.store.conn.execute('select status, foreignamountremaining from "transaction" where id = ?',
                                        (invoice_id,)).fetchone()
        assert status == ("B", 0.0)

        bad_tax = upsert(emu, "invoice", "in_TEST2", {
            "entity": {"id": str(customer_id)},
            "item": {"items": [{"item": {"id": "101"}, "amount": 10.0, "taxCode": {"refName": "EU-VAT-OSS"}}]}})
        assert bad_tax.status_code == 400
        detail = bad_tax.json()["o:errorDetails"][0]
        assert "taxCode" in detail["detail"] and "EU-VAT-OSS" in detail["detail"]
        bad_sub = upsert(emu, "customer", "cus_TEST2", {"companyName": "X", "subsidiary": {"id": "99"}})
        assert bad_sub.status_code == 400 and "subsidiary" in bad_sub.json()["o:errorDetails"][0]["detail"]
        assert upsert(emu, "salesOrder", "so_1", {}).status_code == 404
        batch = requests.post(f"{emu.url}/services/rest/record/v1/customer/batch", json=[], auth=oauth1(emu),
                              timeout=30)
        assert batch.status_code in (400, 405)


def test_oauth2_client_credentials(netsuite_emulator: Emulator) -> None:
    c = netsuite_emulator.store.credentials("netsuite")
    token_url = netsuite_emulator.url + "/services/rest/auth/oauth2/v1/token"
    now = int(time.time())

    def assertion(**claims: Any) -> str:
        payload = {"iss": c["oauth2_client_id"], "scope": ["rest_webservices"], "aud": token_url, "iat": now,
                   "exp": now + 300, **claims}
        return jwt.encode(payload, c["oauth2_private_key_pem"], algorithm="ES256",
                          headers={"kid": c["oauth2_certificate_id"]})

    def exchange(token: str) -> requests.Response:
        return requests.post(token_url, data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": token}, timeout=30)

    granted = exchange(assertion())
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == "3600"
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    page = requests.post(netsuite_emulator.url + SUITEQL, json={"q": "SELECT id FROM subsidiary"},
                         headers={**bearer, "Prefer": "transient"}, timeout=30)
    assert page.status_code == 200 and page.json()["count"] == 4
    assert exchange(assertion(iss="someone-else")).status_code == 400
    assert exchange(assertion(exp=now + 7200)).status_code == 400
    assert exchange(assertion(scope="restlets")).status_code == 400
    wrong = requests.post(netsuite_emulator.url + SUITEQL, json={"q": "SELECT id FROM subsidiary"},
                          headers={"Authorization": "Bearer nope", "Prefer": "transient"}, timeout=30)
    assert wrong.status_code == 401


def test_concurrent_upserts_each_land_once(seeded_netsuite_db: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with running_emulator(copy_sandbox(seeded_netsuite_db, tmp_path)) as emu:
        def create(n: int) -> int:
            body = {"companyName": f"Parallel {n}", "subsidiary": {"id": str(2 + n % 3)}}
            return upsert(emu, "customer", f"cus_PAR{n:03d}", body).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(40)))
        assert statuses == [204] * 40
        rows = emu.store.conn.execute("select count(distinct id), count(*) from customer "
                                      "where externalid like 'cus_PAR%'").fetchone()
        assert rows == (40, 40)
