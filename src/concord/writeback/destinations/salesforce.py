"""CRM writebacks: Account updates by Salesforce Id through sObject Collections (`PATCH /composite/sobjects`,
at most 200 records a call, `allOrNone=false`, one result per record). A call that fails whole is bisected.

Every Account in `wb_crm_accounts` has its Salesforce Id, so Concord always updates by Id (which also stamps
`Concord_Account_Id__c`); an upsert by that external id would create a duplicate Account for a record not yet
stamped, so it is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from concord.writeback.bisect import WholeBatchFailure, send_bisecting
from concord.writeback.errors import DestinationUnavailableError
from concord.writeback.http import RetryCounter, call
from concord.writeback.settings import WritebackSettings
from concord.writeback.targets import Field, Item, Result, Target

API_VERSION = "62.0"
TOKEN_PATH = "/services/oauth2/token"
RETRIABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION"})

ACCOUNTS = Target(
    name="salesforce.accounts",
    destination="salesforce",
    model="wb_crm_accounts",
    fields=(
        Field("concord_account_id", "Concord_Account_Id__c", "account", "concord_account_id"),
        Field("erp_customer_number", "ERP_Customer_Number__c", "customer", "erp_customer_number"),
        Field("billing_status", "Billing_Status__c", "account", "billing_status"),
        Field("ar_balance", "AR_Balance__c", "account", "ar_balance"),
        Field("last_payment_date", "Last_Payment_Date__c", "account", "last_payment_date"),
        # Attributes the CRM owns: a model may carry them; ownership never lets an update write them.
        Field("name", "Name", "account", "name"),
        Field("website", "Website", "account", "website"),
        Field("industry", "Industry", "account", "industry"),
        Field("billing_country", "BillingCountry", "account", "billing_country"),
        Field("tax_id", "Tax_Id__c", "account", "tax_id"),
    ),
    required=("concord_account_id",),
    sources=("salesforce", "stripe", "netsuite"),
    destination_rows_sql="select count(*) from staging.stg_salesforce__accounts where not is_deleted",
)
TARGETS = (ACCOUNTS,)


class Salesforce:
    name = "salesforce"
    targets = TARGETS

    def __init__(self, config: dict[str, Any], settings: WritebackSettings, counter: RetryCounter) -> None:
        self.config, self.settings, self.counter = config, settings, counter
        self.http = requests.Session()
        self.instance_url = str(config.get("instance_url") or "").rstrip("/")
        self.version = str(config.get("api_version") or API_VERSION)
        self.splits: list[int] = []
        self._login()

    def _login(self) -> None:
        cfg = self.config
        form = {"client_id": cfg["client_id"], "client_secret": cfg["client_secret"]}
        if cfg.get("username"):
            form |= {"grant_type": "password", "username": cfg["username"],
                     "password": f"{cfg.get('password') or ''}{cfg.get('security_token') or ''}"}
        else:
            form["grant_type"] = "client_credentials"
        login = str(cfg.get("login_url") or self.instance_url).rstrip("/")
        out = call(self.http, "POST", login + TOKEN_PATH, self.settings, self.counter, data=form)
        if out.problem or not isinstance(out.body, dict) or "access_token" not in out.body:
            error = out.body.get("error") if isinstance(out.body, dict) else None
            raise DestinationUnavailableError(f"Salesforce login at {login} failed: {out.problem or error}")
        self.http.headers["Authorization"] = f"Bearer {out.body['access_token']}"
        self.instance_url = str(out.body.get("instance_url") or self.instance_url).rstrip("/")

    def send(self, target: Target, items: list[Item]) -> list[Result]:
        size = self.settings.salesforce_batch_size
        results: list[Result] = []
        for start in range(0, len(items), size):
            results += send_bisecting(items[start:start + size], lambda b: self._batch(target, b), self.splits)
        return results

    def _record(self, target: Target, item: Item) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": {"type": "Account"}, "id": item.key}
        for column, value in item.values.items():
            field = target.field(column)
            if field is not None:
                record[field.api] = value
        return record

    def _batch(self, target: Target, batch: Sequence[Item]) -> list[Result]:
        url = f"{self.instance_url}/services/data/v{self.version}/composite/sobjects"
        body = {"allOrNone": False, "records": [self._record(target, i) for i in batch]}
        out = call(self.http, "PATCH", url, self.settings, self.counter, json=body)
        if out.status == 401:
            self._login()
            out = call(self.http, "PATCH", url, self.settings, self.counter, json=body)
        if out.problem or not isinstance(out.body, list) or len(out.body) != len(batch):
            raise WholeBatchFailure(out.status, f"{out.problem or 'unexpected response'}: {_errors(out.body)}",
                                    out.retriable)
        results = []
        for item, res in zip(batch, out.body, strict=True):
            if res.get("success"):
                results.append(Result(item.key, True, destination_id=res.get("id") or item.key))
                continue
            errors = res.get("errors") or []
            codes = {e.get("statusCode") for e in errors}
            results.append(Result(item.key, False, bool(codes & RETRIABLE_CODES), out.status, _errors(errors)))
        return results

    def close(self) -> None:
        self.http.close()


def _errors(body: Any) -> str:
    """Salesforce errors as `CODE: message [fields]`, joined."""
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        return ""
    parts = []
    for e in body:
        if isinstance(e, dict):
            code = e.get("statusCode") or e.get("errorCode") or "ERROR"
            fields = f" [{', '.join(e['fields'])}]" if e.get("fields") else ""
            parts.append(f"{code}: {e.get('message', '')}{fields}")
    return "; ".join(parts)[:2000]
