"""Billing writebacks: cross-references in each customer's `metadata` (`POST /v1/customers/{id}`), with an
`Idempotency-Key` derived from the row's key and content hash, so a resend after a crash applies once."""

from __future__ import annotations

from typing import Any

import requests

from concord.writeback.destinations.sessions import ConcurrentSessions
from concord.writeback.http import RetryCounter, call
from concord.writeback.pacing import Pacer
from concord.writeback.settings import WritebackSettings
from concord.writeback.targets import Field, Item, Result, Target

API_VERSION = "2026-10-28.endive"

CUSTOMERS = Target(
    name="stripe.customers",
    destination="stripe",
    model="wb_billing_customers",
    fields=(
        Field("salesforce_account_id", "metadata.salesforce_account_id", "customer", "salesforce_account_id"),
        Field("erp_customer_id", "metadata.erp_customer_id", "customer", "erp_customer_number"),
        # Attributes billing owns: a model may carry them; ownership never lets an update write them.
        Field("email", "email", "customer", "email"),
        Field("currency", "currency", "customer", "currency"),
    ),
    sources=("salesforce", "stripe", "netsuite"),
    destination_rows_sql="select count(*) from staging.stg_stripe__customers where not is_deleted",
)
TARGETS = (CUSTOMERS,)


def idempotency_key(item: Item) -> str:
    """Same row and content → same key (a retry or a rerun after a crash replays, never applies twice)."""
    return f"concord-{item.target.name}-{item.key}-{item.content_hash[:32]}"


def form(target: Target, item: Item) -> dict[str, str]:
    """Form-encoded parameters; a null metadata value is sent as '' (Stripe removes the key)."""
    data: dict[str, str] = {}
    for column, value in item.values.items():
        field = target.field(column)
        if field is None:
            continue
        if field.api.startswith("metadata."):
            data[f"metadata[{field.api.split('.', 1)[1]}]"] = "" if value is None else str(value)
        elif value is not None:
            data[field.api] = str(value)
    return data


class Stripe(ConcurrentSessions):
    name = "stripe"
    targets = TARGETS

    def __init__(self, config: dict[str, Any], settings: WritebackSettings, counter: RetryCounter) -> None:
        super().__init__(settings.stripe_concurrency)
        self.base_url = str(config.get("api_url") or "https://api.stripe.com").rstrip("/")
        self.settings, self.counter = settings, counter
        self.headers = {"Authorization": f"Bearer {config['api_key']}", "Stripe-Version": API_VERSION}
        self.pacer = Pacer(settings.stripe_rate)

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update(self.headers)
        return session

    def _one(self, target: Target, item: Item) -> Result:
        url = f"{self.base_url}/v1/customers/{item.key}"
        self.pacer.wait()
        out = call(self._session(), "POST", url, self.settings, self.counter, data=form(target, item),
                   headers={"Idempotency-Key": idempotency_key(item)})
        if out.problem is None:
            return Result(item.key, True, destination_id=item.key)
        error = out.body.get("error", {}) if isinstance(out.body, dict) else {}
        text = f"{out.problem}: {error.get('type', '')} {error.get('message', '')}".strip().rstrip(":")
        return Result(item.key, False, out.retriable, out.status, text[:2000])
