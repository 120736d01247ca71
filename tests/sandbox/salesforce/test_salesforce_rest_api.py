"""The Salesforce REST emulator over HTTP: auth, queries and pages, deletions, describe, writes, limits."""

from __future__ import annotations

import re
import urllib.parse

import pytest
import requests
from concord_sandbox.apis.salesforce.live import LiveEmulator, start_emulator
from concord_sandbox.apis.salesforce.records import merge_records
from sf_http_helpers import API, login

SF_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$")


def q(soql: str) -> str:
    return urllib.parse.quote(soql)


def test_token_grants_and_rejections(sf_shared: LiveEmulator) -> None:
    creds = sf_shared.store.credentials("salesforce")
    url = f"{sf_shared.base_url}/services/oauth2/token"
    ok = requests.post(url, data={"grant_type": "password", "client_id": creds["client_id"],
                                  "client_secret": creds["client_secret"], "username": creds["username"],
                                  "password": creds["password"] + creds["security_token"]}, timeout=10)
    assert ok.status_code == 200
    body = ok.json()
    assert body["instance_url"] == sf_shared.base_url and body["token_type"] == "Bearer" and body["access_token"]
    bad = requests.post(url, data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                   "client_secret": "nope"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    wrong_user = requests.post(url, data={"grant_type": "password", "client_id": creds["client_id"],
                                          "client_secret": creds["client_secret"], "username": creds["username"],
                                          "password": "guess"}, timeout=10)
    assert wrong_user.status_code == 400 and wrong_user.json()["error"] == "invalid_grant"


def test_missing_wrong_and_expired_sessions_get_invalid_session_id(sf_private: LiveEmulator) -> None:
    url = f"{sf_private.base_url}{API}/sobjects"
    for headers in ({}, {"Authorization": "Bearer 00Dfake!token"}):
        r = requests.get(url, headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    http = login(sf_private)
    assert http.get(url, timeout=10).status_code == 200
    sf_private.api.sessions.expire_all()
    assert http.get(url, timeout=10).json()[0]["errorCode"] == "INVALID_SESSION_ID"


@pytest.mark.parametrize("version", ["59.0", "60.0", "61.0", "62.0"])
@pytest.mark.parametrize("path", ["query", "query/", "queryAll", "queryAll/"])
def test_versions_and_trailing_slashes(sf_shared: LiveEmulator, sf_http: requests.Session, version: str,
                                       path: str) -> None:
    r = sf_http.get(f"{sf_shared.base_url}/services/data/v{version}/{path}?q={q('SELECT Id FROM User')}",
                    timeout=10)
    assert r.status_code == 200 and r.json()["totalSize"] == 8
    assert r.json()["records"][0]["attributes"]["url"].startswith(f"/services/data/v{version}/sobjects/User/")


def test_unknown_version_is_not_found(sf_shared: LiveEmulator, sf_http: requests.Session) -> None:
    r = sf_http.get(f"{sf_shared.base_url}/services/data/v58.0/query?q={q('SELECT Id FROM User')}", timeout=10)
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"


def test_pages_follow_next_records_url(sf_shared: LiveEmulator, sf_http: requests.Session) -> None:
    soql = "SELECT Id, Name, IsDeleted, SystemModstamp, AnnualRevenue FROM Account ORDER BY SystemModstamp, Id"
    r = sf_http.get(f"{sf_http.base}/query?q={q(soql)}", headers={"Sforce-Query-Options": "batchSize=200"},  # type: ignore[attr-defined]
                    timeout=10)
    page = r.json()
    total, seen = page["totalSize"], []
    assert total > 400 and not page["done"] and len(page["records"]) == 200
    while True:
        seen += page["records"]
        if page["done"]:
            break
        url = sf_shared.base_url + page["nextRecordsUrl"]
        again = sf_http.get(url + "?q=" + q("SELECT Id FROM User"), timeout=10)  # an extra ?q= is ignored
        assert again.status_code == 200
        assert sf_http.get(url, timeout=10).content == again.content  # the same page when asked twice
        page = again.json()
    assert len(seen) == total == len({r["Id"] for r in seen})
    stamps = [(r["SystemModstamp"], r["Id"]) for r in seen]
    assert stamps == sorted(stamps)
    first = seen[0]
    assert list(first)[:2] == ["attributes", "Id"] and first["attributes"]["type"] == "Account"
    assert SF_DATETIME.match(first["SystemModstamp"]) and first["IsDeleted"] is False
    assert isinstance(first["AnnualRevenue"], float | int)


@pytest.mark.parametrize(("header", "size"), [("batchSize=50", 200), ("batchSize=5000", 2000),
                                              ("batchSize=300", 300), (None, 2000)])
def test_batch_size_is_clamped(sf_http: requests.Session, header: str | None, size: int) -> None:
    headers = {"Sforce-Query-Options": header} if header else {}
    page = sf_http.get(f"{sf_http.base}/queryAll?q={q('SELECT Id FROM Contact')}", headers=headers,  # type: ignore[attr-defined]
                       timeout=10).json()
    assert len(page["records"]) == min(size, page["totalSize"])


def test_errors_for_bad_queries(sf_http: requests.Session) -> None:
    for soql, code in [("SELECT Id FROM", "MALFORMED_QUERY"), ("SELECT Nope__c FROM Account", "INVALID_FIELD")]:
        r = sf_http.get(f"{sf_http.base}/query?q={q(soql)}", timeout=10)  # type: ignore[attr-defined]
        assert r.status_code == 400 and r.json()[0]["errorCode"] == code
    r = sf_http.get(f"{sf_http.base}/query/01gNoSuchLocator-2000", timeout=10)  # type: ignore[attr-defined]
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_shows_deletions_and_merges_for_15_days(sf_private: LiveEmulator) -> None:
    http = login(sf_private)
    base = sf_private.base_url + API
    accounts = [r["Id"] for r in http.get(f"{base}/query?q={q('SELECT Id FROM Account ORDER BY Id LIMIT 3')}",
                                          timeout=10).json()["records"]]
    assert http.delete(f"{base}/sobjects/Account/{accounts[0]}", timeout=10).status_code == 204
    merge_records(sf_private.store, sf_private.api.sobjects["Account"], accounts[1], [accounts[2]])
    soql = q(f"SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE Id IN ('{accounts[0]}', '{accounts[2]}')")
    assert http.get(f"{base}/query?q={soql}", timeout=10).json()["totalSize"] == 0
    rows = {r["Id"]: r for r in http.get(f"{base}/queryAll?q={soql}", timeout=10).json()["records"]}
    assert rows[accounts[0]]["IsDeleted"] is True and rows[accounts[0]]["MasterRecordId"] is None
    assert rows[accounts[2]]["IsDeleted"] is True and rows[accounts[2]]["MasterRecordId"] == accounts[1]
    with sf_private.store.transaction() as conn:
        conn.execute("update sandbox_meta set value = cast(value as integer) + 16 * 86400 where key = 'now'")
    assert http.get(f"{base}/queryAll?q={soql}", timeout=10).json()["totalSize"] == 0


def test_sobjects_and_describe(sf_http: requests.Session) -> None:
    names = {o["name"] for o in sf_http.get(f"{sf_http.base}/sobjects", timeout=10).json()["sobjects"]}  # type: ignore[attr-defined]
    assert names == {"User", "Account", "Contact", "Opportunity", "OpportunityLineItem", "Product2"}
    fields = {f["name"]: f for f in sf_http.get(f"{sf_http.base}/sobjects/Account/describe", timeout=10).json()["fields"]}  # type: ignore[attr-defined]
    assert fields["Concord_Account_Id__c"]["externalIdField"] is True
    assert fields["Concord_Account_Id__c"]["updateable"] is True
    assert (fields["SystemModstamp"]["type"], fields["SystemModstamp"]["updateable"]) == ("datetime", False)
    assert fields["IsDeleted"]["type"] == "boolean" and fields["AnnualRevenue"]["type"] == "currency"
    assert fields["ParentId"]["type"] == "reference" and fields["Last_Payment_Date__c"]["type"] == "date"
    assert not any(name.startswith("_") for name in fields)
    assert {"Website", "BillingCountry", "Tax_Id__c", "ERP_Customer_Number__c", "Billing_Status__c",
            "AR_Balance__c"} <= set(fields)


def test_create_update_and_read_back(sf_private: LiveEmulator) -> None:
    http = login(sf_private)
    base = sf_private.base_url + API
    created = http.post(f"{base}/sobjects/Account/", json={"Name": "Newco", "BillingCountry": "Ireland"},
                        timeout=10)
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True and body["errors"] == [] and body["id"].startswith("001")
    with sf_private.store.transaction() as conn:
        conn.execute("update sandbox_meta set value = cast(value as integer) + 60 where key = 'now'")
    patched = http.patch(f"{base}/sobjects/Account/{body['id']}", json={"Billing_Status__c": "Active",
                                                                        "AR_Balance__c": 120.5}, timeout=10)
    assert patched.status_code == 204 and patched.content == b""
    row = http.get(f"{base}/sobjects/Account/{body['id']}", timeout=10).json()
    assert (row["Name"], row["Billing_Status__c"], row["AR_Balance__c"]) == ("Newco", "Active", 120.5)
    assert row["SystemModstamp"] > row["CreatedDate"]
    bad = http.patch(f"{base}/sobjects/Account/{body['id']}", json={"No_Such__c": 1}, timeout=10)
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"
    readonly = http.patch(f"{base}/sobjects/Account/{body['id']}", json={"SystemModstamp": "x"}, timeout=10)
    assert readonly.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_collections_update_and_upsert(sf_private: LiveEmulator) -> None:
    http = login(sf_private)
    base = sf_private.base_url + API
    ids = [r["Id"] for r in http.get(f"{base}/query?q={q('SELECT Id FROM Account ORDER BY Id LIMIT 3')}",
                                     timeout=10).json()["records"]]
    records = [{"attributes": {"type": "Account"}, "id": i, "Concord_Account_Id__c": f"CA-{n}"}
               for n, i in enumerate(ids)]
    results = http.patch(f"{base}/composite/sobjects", json={"allOrNone": False, "records": records},
                         timeout=10).json()
    assert results == [{"id": i, "success": True, "errors": []} for i in ids]
    mixed = [*records[:1], {"attributes": {"type": "Account"}, "id": ids[1], "AR_Balance__c": "lots"}]
    rolled = http.patch(f"{base}/composite/sobjects", json={"allOrNone": True, "records": mixed}, timeout=10).json()
    assert [r["success"] for r in rolled] == [False, False]
    assert rolled[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert rolled[1]["errors"][0]["fields"] == ["AR_Balance__c"]
    too_many = http.patch(f"{base}/composite/sobjects", json={"records": records * 67}, timeout=10)
    assert too_many.status_code == 400 and too_many.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    upserts = [{"attributes": {"type": "Account"}, "Concord_Account_Id__c": "CA-0", "Billing_Status__c": "Paid"},
               {"attributes": {"type": "Account"}, "Concord_Account_Id__c": "CA-new", "Name": "Upserted Ltd"}]
    out = http.patch(f"{base}/composite/sobjects/Account/Concord_Account_Id__c",
                     json={"allOrNone": False, "records": upserts}, timeout=10).json()
    assert [(r["success"], r["created"]) for r in out] == [(True, False), (True, True)]
    assert out[0]["id"] == ids[0]
    soql = q("SELECT Id, Billing_Status__c FROM Account WHERE Concord_Account_Id__c IN ('CA-0', 'CA-new')")
    rows = http.get(f"{base}/query?q={soql}", timeout=10).json()["records"]
    assert len(rows) == 2 and {r["Billing_Status__c"] for r in rows} == {"Paid", None}


def test_limit_info_header_and_request_limit(sf_private: LiveEmulator) -> None:
    limited = start_emulator(sf_private.store.path, daily_limit=3)
    try:
        http = login(limited)
        url = f"{limited.base_url}{API}/sobjects"
        assert [http.get(url, timeout=10).headers["Sforce-Limit-Info"] for _ in range(3)] == [
            "api-usage=1/3", "api-usage=2/3", "api-usage=3/3"]
        over = http.get(url, timeout=10)
        assert over.status_code == 403 and over.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
        assert over.headers["Sforce-Limit-Info"] == "api-usage=3/3"
    finally:
        limited.stop()
