"""Builders of NetSuite rows (SuiteQL columns) for what the company's integration posts to the ERP.

Money is a decimal in the currency's major unit (REAL rounded to the currency precision); `to_major` converts
Stripe minor units.
"""

from __future__ import annotations

from typing import Any

from concord_sandbox.company import CURRENCY_BY_CODE
from concord_sandbox.timefmt import ns, ns_date

Row = dict[str, Any]

# NetSuite invoice statuses (SuiteQL `status` codes): A = Open, B = Paid In Full.
INVOICE_OPEN = "A"
INVOICE_PAID = "B"
PAYMENT_DEPOSITED = "C"
CREDIT_FULLY_APPLIED = "B"


def to_major(minor: int, currency: str) -> float:
    """Stripe minor units → a decimal amount in the currency's major unit."""
    exponent = CURRENCY_BY_CODE[currency.upper()].exponent
    return round(minor / 10**exponent, exponent) if exponent else float(minor)


def customer_row(
    ns_id: int,
    entityid: str,
    name: str,
    email: str,
    subsidiary: int,
    currency: str,
    parent: int | None,
    externalid: str | None,
    sf_account_id: str | None,
    terms: str,
    at: int,
) -> Row:
    """A customer record."""
    return {
        "id": ns_id,
        "entityid": entityid,
        "companyname": name,
        "email": email,
        "phone": None,
        "subsidiary": subsidiary,
        "currency": CURRENCY_BY_CODE[currency].ns_id,
        "parent": parent,
        "terms": terms,
        "externalid": externalid,
        "custentity_sf_account_id": sf_account_id,
        "isinactive": "F",
        "datecreated": ns(at),
        "lastmodifieddate": ns(at),
    }


def invoice_rows(
    ns_id: int,
    tranid: str,
    invoice: dict[str, Any],
    entity: int,
    subsidiary: int,
    currency: str,
    item_ids: dict[str, int],
    at: int,
    total_minor: int | None = None,
) -> tuple[Row, list[Row]]:
    """A CustInvc transaction and its item lines for a finalized Stripe invoice, posted at `at`.

    `currency` and `total_minor` are what the ERP records; the integration normally copies the invoice's own.
    """
    cur = currency.upper()
    total = invoice["total"] if total_minor is None else total_minor
    finalized = invoice["status_transitions"]["finalized_at"] or invoice["created"]
    due = invoice["due_date"] or finalized
    header: Row = {
        "id": ns_id,
        "tranid": tranid,
        "type": "CustInvc",
        "recordtype": "invoice",
        "entity": entity,
        "subsidiary": subsidiary,
        "currency": CURRENCY_BY_CODE[cur].ns_id,
        "exchangerate": CURRENCY_BY_CODE[cur].rate_to_usd,
        "foreigntotal": to_major(total, cur),
        "taxtotal": to_major(invoice["total_taxes"][0]["amount"], cur),
        "foreignamountremaining": to_major(total, cur),
        "status": INVOICE_OPEN,
        "trandate": ns_date(finalized),
        "duedate": ns_date(due),
        "memo": invoice["number"],
        "externalid": invoice["id"],
        "voided": "F",
        "createddate": ns(at),
        "lastmodifieddate": ns(at),
    }
    lines = []
    for n, line in enumerate(invoice["lines"]["data"], start=1):
        product = line["pricing"]["price_details"]["product"]
        qty = line["quantity"]
        lines.append(
            {
                "transaction": ns_id,
                "id": n,
                "linesequencenumber": n,
                "item": item_ids[product],
                "memo": line["description"],
                "quantity": float(qty),
                "rate": to_major(int(line["pricing"]["unit_amount_decimal"]), cur),
                "foreignamount": to_major(line["amount"], cur),
                "subsidiary": subsidiary,
                "mainline": "F",
            }
        )
    return header, lines


# Documents applied to invoices: (type, recordtype, status, amount remaining).
APPLIED_KINDS: dict[str, tuple[str, str, str, float | None]] = {
    "payment": ("CustPymt", "customerpayment", PAYMENT_DEPOSITED, None),
    "credit memo": ("CustCred", "creditmemo", CREDIT_FULLY_APPLIED, 0.0),
}


def applied_row(
    kind: str,
    ns_id: int,
    tranid: str,
    entity: int,
    subsidiary: int,
    currency: str,
    amount_minor: int,
    dated: int,
    externalid: str | None,
    memo: str,
    at: int,
) -> Row:
    """A customer payment received (or a credit memo issued) at `dated`, posted to the ERP at `at`."""
    cur = currency.upper()
    txn_type, recordtype, status, remaining = APPLIED_KINDS[kind]
    return {
        "id": ns_id,
        "tranid": tranid,
        "type": txn_type,
        "recordtype": recordtype,
        "entity": entity,
        "subsidiary": subsidiary,
        "currency": CURRENCY_BY_CODE[cur].ns_id,
        "exchangerate": CURRENCY_BY_CODE[cur].rate_to_usd,
        "foreigntotal": to_major(amount_minor, cur),
        "taxtotal": remaining,
        "foreignamountremaining": remaining,
        "status": status,
        "trandate": ns_date(dated),
        "duedate": None,
        "memo": memo,
        "externalid": externalid,
        "voided": "F",
        "createddate": ns(at),
        "lastmodifieddate": ns(at),
    }


def link_row(previousdoc: int, nextdoc: int, linktype: str, amount: float, at: int) -> Row:
    """A previoustransactionlink row: `nextdoc` (payment or credit memo) applied to `previousdoc` (invoice)."""
    return {
        "previousdoc": previousdoc,
        "nextdoc": nextdoc,
        "linktype": linktype,
        "foreignamount": amount,
        "lastmodifieddate": ns(at),
    }
