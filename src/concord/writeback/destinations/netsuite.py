"""ERP writebacks: `eid:` upserts of customers, invoices and customer payments through the REST record API
(`PUT /services/rest/record/v1/{type}/eid:{externalId}`). NetSuite has no batch API, so each record is one call;
calls run with bounded concurrency (the account's concurrency limit answers 429 beyond it). Written in order:
customers, then invoices (which reference them), then payments (applied to the invoices)."""

from __future__ import annotations

from typing import Any

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1

from concord.writeback.destinations.sessions import ConcurrentSessions
from concord.writeback.errors import DestinationUnavailableError
from concord.writeback.http import RetryCounter, call
from concord.writeback.settings import WritebackSettings
from concord.writeback.targets import Field, Item, Result, Target

RECORD_PATH = "/services/rest/record/v1"

CUSTOMERS = Target(
    name="netsuite.customers",
    destination="netsuite",
    model="wb_erp_customers",
    fields=(
        Field("companyname", "companyName", "customer", "companyname"),
        Field("email", "email", "customer", "email"),
        Field("currency", "currency", "customer", "currency"),
        Field("subsidiary", "subsidiary", "customer", "subsidiary"),
        Field("salesforce_account_id", "custentity_sf_account_id", "customer", "salesforce_account_id"),
        Field("erp_customer_number", "entityId", "customer", "erp_customer_number"),
    ),
    required=("companyname", "subsidiary"),
    sources=("salesforce", "stripe", "netsuite"),
    destination_rows_sql="select count(*) from staging.stg_netsuite__customers where not is_deleted",
)
INVOICES = Target(
    name="netsuite.invoices",
    destination="netsuite",
    model="wb_erp_invoices",
    fields=(
        Field("lines", "item", "invoice", "lines"),
        Field("tax_code", "taxCode", "invoice", "tax_code"),
        Field("tax", "taxTotal", "invoice", "tax"),
        Field("currency", "currency", "invoice", "currency"),
        Field("subsidiary", "subsidiary", "invoice", "subsidiary"),
        Field("posting_status", "status", "invoice", "posting_status"),
        Field("amount_remaining", "amountRemaining", "invoice", "amount_remaining"),
    ),
    header=("entity", "tran_date", "due_date", "memo"),
    required=("lines", "entity"),
    sources=("stripe", "netsuite"),
    destination_rows_sql="select count(*) from staging.stg_netsuite__transactions "
                         "where transaction_type = 'CustInvc' and not is_deleted",
)
PAYMENTS = Target(
    name="netsuite.payments",
    destination="netsuite",
    model="wb_erp_payments",
    fields=(
        Field("amount", "payment", "payment", "amount"),
        Field("applied_invoice", "apply", "payment", "applied_invoice"),
        Field("posting_status", "status", "payment", "posting_status"),
    ),
    header=("customer", "tran_date", "memo"),
    required=("amount", "customer"),
    sources=("stripe", "netsuite"),
    destination_rows_sql="select count(*) from staging.stg_netsuite__transactions "
                         "where transaction_type = 'CustPymt' and not is_deleted",
)
TARGETS = (CUSTOMERS, INVOICES, PAYMENTS)
RECORD_TYPES = {CUSTOMERS.name: "customer", INVOICES.name: "invoice", PAYMENTS.name: "customerPayment"}


def _ref(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    return value if isinstance(value, dict) else {"id": str(value)}


def customer_body(v: dict[str, Any]) -> dict[str, Any]:
    body = {"companyName": v.get("companyname"), "email": v.get("email"), "currency": _ref(v.get("currency")),
            "subsidiary": _ref(v.get("subsidiary")), "custentity_sf_account_id": v.get("salesforce_account_id"),
            "entityId": v.get("erp_customer_number")}
    return {k: val for k, val in body.items() if val is not None}


def invoice_body(v: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"entity": v.get("entity"), "tranDate": v.get("tran_date"), "dueDate": v.get("due_date"),
                            "memo": v.get("memo"), "currency": _ref(v.get("currency")),
                            "subsidiary": _ref(v.get("subsidiary")), "taxTotal": v.get("tax")}
    if "lines" in v and v["lines"] is not None:
        codes = v.get("tax_code") or []  # present only when ownership lets Concord write the ERP's tax codes
        lines = []
        for n, line in enumerate(v["lines"]):
            line = dict(line)
            if n < len(codes) and codes[n] is not None:
                line["taxCode"] = {"refName": codes[n]}
            lines.append(line)
        body["item"] = {"items": lines}
    return {k: val for k, val in body.items() if val is not None}


def payment_body(v: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"customer": v.get("customer"), "tranDate": v.get("tran_date"), "memo": v.get("memo"),
                            "payment": v.get("amount")}
    if v.get("applied_invoice") is not None:
        application: dict[str, Any] = {"doc": v["applied_invoice"], "apply": True}
        if v.get("amount") is not None:
            application["amount"] = v["amount"]
        body["apply"] = {"items": [application]}
    return {k: val for k, val in body.items() if val is not None}


BODIES = {CUSTOMERS.name: customer_body, INVOICES.name: invoice_body, PAYMENTS.name: payment_body}


class NetSuite(ConcurrentSessions):
    name = "netsuite"
    targets = TARGETS

    def __init__(self, config: dict[str, Any], settings: WritebackSettings, counter: RetryCounter) -> None:
        keys = ("account_id", "consumer_key", "consumer_secret", "token_id", "token_secret")
        missing = [k for k in keys if not config.get(k)]
        if missing:
            raise DestinationUnavailableError(
                f"NetSuite writebacks need token-based authentication; the config lacks {', '.join(missing)}")
        super().__init__(settings.netsuite_concurrency)
        self.config, self.settings, self.counter = config, settings, counter
        self.base_url = str(config.get("base_url") or "").rstrip("/")
        self.realm = str(config["account_id"]).upper().replace("-", "_")

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.auth = OAuth1(self.config["consumer_key"], self.config["consumer_secret"],
                              self.config["token_id"], self.config["token_secret"],
                              signature_method=SIGNATURE_HMAC_SHA256, realm=self.realm)
        return session

    def _one(self, target: Target, item: Item) -> Result:
        url = f"{self.base_url}{RECORD_PATH}/{RECORD_TYPES[target.name]}/eid:{item.key}"
        out = call(self._session(), "PUT", url, self.settings, self.counter, json=BODIES[target.name](item.values))
        if out.problem is None:
            location = out.response.headers.get("Location", "") if out.response is not None else ""
            return Result(item.key, True, destination_id=location.rsplit("/", 1)[-1] or None)
        return Result(item.key, False, out.retriable, out.status, f"{out.problem}: {_errors(out.body)}".rstrip(": "))


def _errors(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    details = body.get("o:errorDetails") or []
    text = "; ".join(f"{d.get('o:errorCode', '')} {d.get('detail', '')}".strip() for d in details if isinstance(d, dict))
    return (text or str(body.get("title") or ""))[:2000]
