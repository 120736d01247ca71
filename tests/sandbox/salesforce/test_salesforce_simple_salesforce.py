"""The real `simple-salesforce` client against the emulator, unmodified except for a requests session that
maps its https loopback URLs to the emulator's plain http."""

from __future__ import annotations

from typing import Any

import requests
from concord_sandbox.apis.salesforce.live import LiveEmulator
from concord_sandbox.apis.salesforce.records import merge_records
from simple_salesforce import Salesforce


class LoopbackSession(requests.Session):
    """Sends `https://127.0.0.1:<port>/…` to `http://127.0.0.1:<port>/…` (the emulator speaks plain HTTP)."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str) and url.startswith("https://127.0.0.1:"):
            url = "http://" + url.removeprefix("https://")
        return super().request(method, url, *args, **kwargs)


def client(emulator: LiveEmulator) -> Salesforce:
    token = emulator.access_token()
    instance = emulator.base_url.replace("http://", "https://")
    return Salesforce(instance_url=instance, session_id=token, session=LoopbackSession(), version="62.0")


def test_query_all_across_pages(sf_shared: LiveEmulator) -> None:
    sf = client(sf_shared)
    pages = []
    session = sf.session
    session.hooks["response"].append(lambda r, *a, **k: pages.append(r.url))
    result = sf.query_all("SELECT Id, Name, AccountId FROM Contact ORDER BY Id",
                          headers={"Sforce-Query-Options": "batchSize=200"})
    expected = sf_shared.store.reader().execute('select count(*) from "Contact" where IsDeleted = 0').fetchone()[0]
    assert result["totalSize"] == expected and len(result["records"]) == expected
    assert len({r["Id"] for r in result["records"]}) == expected
    assert len(pages) == -(-expected // 200) > 1
    assert sf.api_usage["api-usage"].used >= len(pages)


def test_query_all_including_deleted_rows(sf_private: LiveEmulator) -> None:
    sf = client(sf_private)
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Account ORDER BY Id LIMIT 3")["records"]]
    sf.Account.delete(ids[0])
    merge_records(sf_private.store, sf_private.api.sobjects["Account"], ids[1], [ids[2]])
    live = sf.query_all("SELECT Id FROM Account")["records"]
    everything = sf.query_all("SELECT Id, IsDeleted, MasterRecordId FROM Account", include_deleted=True)["records"]
    gone = {r["Id"]: r for r in everything if r["IsDeleted"]}
    assert {ids[0], ids[2]} <= set(gone) and not ({ids[0], ids[2]} & {r["Id"] for r in live})
    assert gone[ids[2]]["MasterRecordId"] == ids[1]


def test_create_and_update(sf_private: LiveEmulator) -> None:
    sf = client(sf_private)
    created = sf.Account.create({"Name": "Client Library Ltd", "Website": "www.clientlib.example"})
    assert created["success"] is True and created["id"].startswith("001")
    assert sf.Account.update(created["id"], {"Billing_Status__c": "Active", "Concord_Account_Id__c": "CA-77"}) == 204
    row = sf.Account.get(created["id"])
    assert (row["Name"], row["Billing_Status__c"], row["Concord_Account_Id__c"]) == (
        "Client Library Ltd", "Active", "CA-77")
    # Upsert by the external id Concord stamps: the stamped record is updated, an unknown key creates one.
    assert sf.Account.upsert("Concord_Account_Id__c/CA-77", {"AR_Balance__c": 10.0}) == 200
    assert sf.Account.get(created["id"])["AR_Balance__c"] == 10.0
    assert sf.Account.upsert("Concord_Account_Id__c/CA-78", {"Name": "Second Ltd"}) == 201
    described = sf.Account.describe()
    assert any(f["name"] == "Concord_Account_Id__c" and f["externalIdField"] for f in described["fields"])
