"""`concord sandbox advance --hours H`: move the clock and generate H hours of company activity.

Hour by hour: the integration's follow-ups that fall due (late payments, ERP postings with their delays),
subscription renewals (invoices created, finalized, paid), and random business activity in all three systems
(new prospects, conversions to customers, changed, deleted and merged records, cancellations, refunds, and
late-arriving CRM updates whose SystemModstamp lies a few minutes before the hour they became visible). New
records pass through the same generator as seeding, so inconsistencies are planted at the same rates.
Deterministic: the same sandbox advanced by the same hours ends in the same state.
"""

from __future__ import annotations

import calendar
import random
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from concord_sandbox import netsuite_rows as nsr
from concord_sandbox import stripe_docs as sd
from concord_sandbox.catalog import Catalog, build_catalog
from concord_sandbox.company import COUNTRIES, ENTITY_BY_REGION
from concord_sandbox.errors import InvalidOptionError
from concord_sandbox.history import (
    DAY,
    HOUR,
    BillingCustomer,
    HistoryContext,
    Pending,
    add_interval,
    bill_period,
    generate_account,
    open_customer,
    pay_invoice_in_billing,
    post_credit_memo_to_erp,
    post_invoice_to_erp,
    post_payment_to_erp,
    start_subscription,
)
from concord_sandbox.ids import StripeIds
from concord_sandbox.mutation import Mutation
from concord_sandbox.row_sink import RowSink
from concord_sandbox.seed import SCALES
from concord_sandbox.store import Store
from concord_sandbox.timefmt import iso, sf

MAX_HOURS = 24 * 90

# Expected events per account per hour (a 20,000-account company: ~8 new prospects an hour).
RATES_PER_ACCOUNT_HOUR = {
    "new_prospect": 0.0004,
    "conversion": 0.0001,
    "account_update": 0.002,
    "contact_update": 0.001,
    "contact_delete": 0.0002,
    "opportunity_stage": 0.0008,
    "prospect_delete": 0.00005,
    "merge": 0.00005,
    "customer_update": 0.0003,
    "seat_change": 0.0002,
    "cancellation": 0.00005,
    "refund": 0.0001,
    "abandoned_signup": 0.00003,
}
LATE_SHARE = 0.05  # share of CRM updates that arrive late


@dataclass
class AdvanceReport:
    """What an advance did: the clock, rows inserted/updated/deleted per table, events and planted instances."""

    started: str
    ended: str
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)
    planted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "ended": self.ended,
            "inserted": self.inserted,
            "updated": self.updated,
            "deleted": self.deleted,
            "activity": self.activity,
            "planted": self.planted,
            "seconds": round(self.seconds, 3),
        }


class _Tracker:
    """Distinct keys inserted, updated and deleted per table during one advance."""

    def __init__(self) -> None:
        self.inserted: dict[str, set[Any]] = {}
        self.updated: dict[str, set[Any]] = {}
        self.deleted: dict[str, set[Any]] = {}

    def insert(self, table: str, key: Any) -> None:
        self.inserted.setdefault(table, set()).add(key)

    def update(self, table: str, key: Any) -> None:
        if key not in self.inserted.get(table, ()):
            self.updated.setdefault(table, set()).add(key)

    def delete(self, table: str, key: Any) -> None:
        if key in self.inserted.get(table, ()):
            self.inserted[table].discard(key)
        else:
            self.updated.get(table, set()).discard(key)
            self.deleted.setdefault(table, set()).add(key)

    def report(self, rep: AdvanceReport) -> None:
        rep.inserted = {t: len(k) for t, k in sorted(self.inserted.items()) if k}
        rep.updated = {t: len(k) for t, k in sorted(self.updated.items()) if k}
        rep.deleted = {t: len(k) for t, k in sorted(self.deleted.items()) if k}


def advance(store: Store, hours: float) -> AdvanceReport:
    """Advance the clock by `hours` (whole hours are simulated one by one) and return what changed."""
    if not 0 < hours <= MAX_HOURS:
        raise InvalidOptionError("--hours", hours, f"expected a number of hours in (0, {MAX_HOURS}]")
    began = time.perf_counter()
    start = store.now()
    end = start + int(hours * HOUR)
    rep = AdvanceReport(iso(start), iso(end))
    tracker = _Tracker()
    with store.transaction() as conn:
        meta = dict(conn.execute("select key, value from sandbox_meta").fetchall())
        seed = int(meta["seed"])
        rates = orjson.loads(meta["rates"])
        n_accounts = int(meta["accounts"])
        catalog = build_catalog(
            seed, int(meta["start"]), SCALES.get(meta["scale"], n_accounts), StripeIds(seed)
        )
        step_start = start
        while step_start < end:
            step_end = min(end, step_start + HOUR)
            m = Mutation(conn, step_end)
            step = _Step(conn, m, seed, rates, catalog, step_start, step_end, tracker, rep)
            step.run(n_accounts)
            n_accounts = step.n_accounts
            m.finish()
            conn.execute(
                "insert or replace into sandbox_meta (key, value) values ('accounts', ?)", (str(n_accounts),)
            )
            step_start = step_end
        conn.execute("insert or replace into sandbox_meta (key, value) values ('now', ?)", (str(end),))
    tracker.report(rep)
    rep.seconds = time.perf_counter() - began
    return rep


class _Step:
    """One simulated hour [a, b)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        m: Mutation,
        seed: int,
        rates: dict[str, float],
        catalog: Catalog,
        a: int,
        b: int,
        tracker: _Tracker,
        rep: AdvanceReport,
    ) -> None:
        self.conn, self.m, self.seed, self.a, self.b = conn, m, seed, a, b
        self.tracker, self.rep = tracker, rep
        self.sink = RowSink()
        self.ctx = HistoryContext(seed, b, rates, catalog, self.sink, m.counters)
        self.ctx.retention_start = -1  # every change now is inside the retention window
        self.n_accounts = 0
        self.price_code = {
            price["id"]: code for code, p in catalog.products.items() for price in p.prices.values()
        }

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:advance:{self.a}:{purpose}")

    def count(self, what: str, n: int = 1) -> None:
        self.rep.activity[what] = self.rep.activity.get(what, 0) + n

    # plumbing ------------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the generator's rows, events, follow-ups and planted instances; track what was inserted."""
        events = []
        for (table, cols), rows in self.sink.batches.items():
            if table == "_seed_events":
                events.extend(rows)
                continue
            names = ", ".join(f'"{c}"' for c in cols)
            self.conn.executemany(
                f'insert into "{table}" ({names}) values ({", ".join("?" * len(cols))})', rows
            )
            for row in rows:
                self.tracker.insert(
                    table,
                    (row[0], row[1]) if table in ("transactionline", "previoustransactionlink") else row[0],
                )
        events.sort(key=lambda r: r[0])
        self.conn.executemany(
            "insert into events (created, id, type, object_id, data) values (?, ?, ?, ?, ?)", events
        )
        for row in events:
            self.tracker.insert("events", row[1])
        self.sink.batches.clear()
        for inv, at in self.ctx.erp_paid:
            self.m.now, saved = at, self.m.now
            self.m.ns_update("transaction", inv, {"status": nsr.INVOICE_PAID, "foreignamountremaining": 0.0})
            self.m.now = saved
            self.tracker.update("transaction", inv)
        self.ctx.erp_paid.clear()
        for p in self.ctx.pending:
            cur = self.conn.execute(
                "insert into sandbox_pending (due_at, kind, ref, payload) values (?, ?, ?, ?)",
                (p.due_at, p.kind, p.ref, orjson.dumps(p.payload, option=orjson.OPT_SORT_KEYS).decode()),
            )
            self.tracker.insert("sandbox_pending", cur.lastrowid)
        self.ctx.pending.clear()
        for p in self.ctx.planted:
            self.m.plant(p.cls, p.planted_at, p.keys)
            self.rep.planted[p.cls] = self.rep.planted.get(p.cls, 0) + 1
        self.ctx.planted.clear()
        self.m.finish()

    def stripe_put(self, table: str, doc: dict[str, Any], at: int, **extra: Any) -> None:
        self.m.now = at
        self.m.stripe_put(table, doc, **extra)
        self.tracker.update(table, doc["id"])

    def stripe_event(self, etype: str, doc: dict[str, Any], previous: dict[str, Any] | None, at: int) -> None:
        self.m.now = at
        before = self.m.counters.values.get("stripe.evt", 0)
        self.m.event(etype, doc, previous)
        self.tracker.insert("events", self.m.ids.make("evt", before + 1))

    def sf_update(self, sobject: str, record_id: str, fields: dict[str, Any], at: int) -> None:
        self.m.sf_update(sobject, record_id, fields, at)
        self.tracker.update(sobject, record_id)

    # the hour -------------------------------------------------------------------------------------------
    def run(self, n_accounts: int) -> None:
        self.n_accounts = n_accounts
        self.follow_ups()
        self.renewals()
        self.business(n_accounts)

    def follow_ups(self) -> None:
        due = self.conn.execute(
            "select id, due_at, kind, ref, payload from sandbox_pending where due_at < ? order by due_at, id",
            (self.b,),
        ).fetchall()
        for pid, due_at, kind, ref, payload in due:
            self.conn.execute("delete from sandbox_pending where id = ?", (pid,))
            self.tracker.delete("sandbox_pending", pid)
            handler = getattr(self, f"_do_{kind}")
            handler(max(due_at, self.a), ref, orjson.loads(payload))
            self.count(kind)
            self.flush()

    def _customer_of(self, customer_id: str) -> BillingCustomer | None:
        doc = self.m.stripe_doc("customers", customer_id)
        if doc is None or doc.get("deleted"):
            return None
        ns_cust = self.m.ns_row("customer", "externalid = ?", customer_id)
        country = next(c for c in COUNTRIES if c.code == doc["address"]["country"])
        n_invoices = self.conn.execute(
            "select count(*) from invoices where customer = ?", (customer_id,)
        ).fetchone()[0]
        sub = self.conn.execute(
            "select json_extract(data, '$.collection_method') from subscriptions "
            "where customer = ? order by created limit 1",
            (customer_id,),
        ).fetchone()
        return BillingCustomer(
            doc["metadata"].get("salesforce_account_id") or "",
            customer_id,
            doc["name"],
            doc["email"],
            country.currency,
            country,
            doc["metadata"].get("legal_entity") or ENTITY_BY_REGION[country.region].code,
            ns_cust["subsidiary"] if ns_cust else ENTITY_BY_REGION[country.region].subsidiary_id,
            ns_cust["id"] if ns_cust else None,
            sub[0] if sub else "charge_automatically",
            doc["invoice_prefix"],
            doc["created"],
            n_invoices,
        )

    def _do_stripe_pay_invoice(self, at: int, ref: str, payload: dict[str, Any]) -> None:
        doc = self.m.stripe_doc("invoices", ref)
        if doc is None or doc["status"] != "open":
            return
        cust = self._customer_of(doc["customer"])
        pi_id, ch = pay_invoice_in_billing(self.ctx, doc, at)
        self.ctx.stripe_row("charges", ch, at, payment_intent=pi_id, invoice=doc["id"])
        self.flush()
        self.stripe_put(
            "invoices",
            doc,
            at,
            subscription=doc["parent"]["subscription_details"]["subscription"] if doc.get("parent") else None,
        )
        if cust is None or cust.ns_id is None:
            return
        posted = self.m.ns_row("transaction", "externalid = ? and type = 'CustInvc'", ref)
        queued = self.conn.execute(
            "select due_at from sandbox_pending where ref = ? and kind = 'ns_post_invoice'", (ref,)
        ).fetchone()
        if posted is None and queued is None:
            return  # never going to the ERP (a planted unposted invoice)
        rng = self.rng(f"pay:{ref}")
        # The integration posts a payment only after the invoice it pays is in the ERP.
        after = max(at, queued[0] if queued else at)
        self.ctx.pending.append(
            Pending(
                after + 300 + min(int(rng.expovariate(1 / (8 * HOUR))), 3 * DAY),
                "ns_post_payment",
                ref,
                {
                    "payment_intent": pi_id,
                    "mismatch": self.ctx.roll(rng, "payment_status_mismatch"),
                    "stray": self.ctx.roll(rng, "erp_payment_unmatched"),
                },
            )
        )
        self.flush()

    def _do_ns_post_invoice(self, at: int, ref: str, payload: dict[str, Any]) -> None:
        doc = self.m.stripe_doc("invoices", ref)
        if doc is None or self.m.ns_row("transaction", "externalid = ? and type = 'CustInvc'", ref):
            return
        ns_cust = self.m.ns_row("customer", "externalid = ?", doc["customer"])
        if ns_cust is None:
            return
        self.ctx.ns_invoice.clear()
        post_invoice_to_erp(self.ctx, doc, ns_cust["id"], ns_cust["subsidiary"], payload.get("variant"), at)
        self.flush()

    def _do_ns_post_payment(self, at: int, ref: str, payload: dict[str, Any]) -> None:
        doc = self.m.stripe_doc("invoices", ref)
        inv = self.m.ns_row("transaction", "externalid = ? and type = 'CustInvc'", ref)
        if doc is None or inv is None or doc["status"] != "paid":
            return
        # Already in the ERP under the payment intent's id (an integration such as Concord's writeback posted it
        # first): the company's own posting is not repeated (externalid is unique, as in NetSuite).
        if self.m.ns_row("transaction", "externalid = ?", payload["payment_intent"]):
            return
        self.ctx.ns_invoice[ref] = inv["id"]
        rng = self.rng(f"post-payment:{ref}")
        post_payment_to_erp(
            self.ctx,
            rng,
            doc,
            payload["payment_intent"],
            inv["entity"],
            inv["subsidiary"],
            doc["status_transitions"]["paid_at"],
            at,
            payload,
        )
        self.ctx.ns_invoice.clear()
        self.flush()

    def _do_ns_post_credit_memo(self, at: int, ref: str, payload: dict[str, Any]) -> None:
        cn = self.m.stripe_doc("credit_notes", ref)
        if cn is None or self.m.ns_row("transaction", "externalid = ?", ref):
            return
        inv = self.m.ns_row("transaction", "externalid = ? and type = 'CustInvc'", cn["invoice"])
        if inv is None:
            return
        self.ctx.ns_invoice[cn["invoice"]] = inv["id"]
        post_credit_memo_to_erp(self.ctx, cn, inv["entity"], inv["subsidiary"], at)
        self.ctx.ns_invoice.clear()
        self.flush()

    def renewals(self) -> None:
        due = self.conn.execute(
            "select id, data from subscriptions where status = 'active' and current_period_end is not null "
            "and current_period_end <= ? order by current_period_end, id",  # a range on the index
            (self.b - HOUR,),
        ).fetchall()
        for sub_id, data in due:
            doc = orjson.loads(data)
            cust = self._customer_of(doc["customer"])
            if cust is None:
                continue
            items = doc["items"]["data"]
            p_start = items[0]["current_period_end"]
            interval = items[0]["price"]["recurring"]["interval"]
            p_end = add_interval(p_start, interval)
            spec = [(self.price_code[i["price"]["id"]], i["quantity"]) for i in items]
            rng = self.rng(f"renew:{sub_id}:{p_start}")
            inv_id = bill_period(
                self.ctx, rng, cust, sub_id, [i["id"] for i in items], spec, p_start, p_end, False
            )
            self.flush()
            previous = {
                "items": {
                    "data": [
                        {
                            "current_period_start": i["current_period_start"],
                            "current_period_end": i["current_period_end"],
                        }
                        for i in items
                    ]
                },
                "latest_invoice": doc["latest_invoice"],
            }
            for i in items:
                i["current_period_start"], i["current_period_end"] = p_start, p_end
            doc["latest_invoice"] = inv_id
            self.stripe_put("subscriptions", doc, p_start, current_period_end=p_end)
            self.stripe_event("customer.subscription.updated", doc, previous, p_start)
            self.count("renewal")

    # random business activity ------------------------------------------------------------------------------
    def business(self, n_accounts: int) -> None:
        rng = self.rng("business")
        for what, rate in RATES_PER_ACCOUNT_HOUR.items():
            expected = rate * n_accounts * (self.b - self.a) / HOUR
            n = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            for k in range(n):
                at = self.a + rng.randrange(max(1, self.b - self.a))
                sub_rng = self.rng(f"{what}:{k}")
                if getattr(self, f"_act_{what}")(sub_rng, at):
                    self.count(what)
                self.flush()

    def _random_row(
        self, rng: random.Random, table: str, columns: str, where: str, *args: Any
    ) -> tuple[Any, ...] | None:
        """A pseudo-random row matching `where`: the first match at or after a random rowid (cheap at scale)."""
        hi = self.conn.execute(f'select max(rowid) from "{table}"').fetchone()[0]
        if hi is None:
            return None
        sql = f'select {columns} from "{table}" where rowid >= ? and {where} order by rowid limit 1'
        for _ in range(3):
            row = self.conn.execute(sql, (rng.randrange(1, hi + 1), *args)).fetchone()
            if row is not None:
                return row
        return self.conn.execute(sql, (1, *args)).fetchone()

    def _live_account(self, rng: random.Random, account_type: str | None = None) -> tuple[Any, ...] | None:
        hi = self.conn.execute('select max(rowid) from "Account"').fetchone()[0]
        for _ in range(20):
            row = self.conn.execute(
                'select Id, Type, Name, BillingCountry, CreatedDate, OwnerId from "Account" '
                "where rowid >= ? and IsDeleted = 0 order by rowid limit 1",
                (rng.randrange(1, hi + 1),),
            ).fetchone()
            if (
                row is None
                or (account_type and row[1] != account_type)
                or self._planted_key("salesforce", "Account", row[0])
            ):
                continue
            return row
        return None

    def _planted_key(self, system: str, obj: str, key: Any) -> bool:
        """Organic activity leaves records named by planted instances alone (only repairs touch them)."""
        return (
            self.conn.execute(
                "select 1 from sandbox_truth_key where system = ? and object = ? and key = ?",
                (system, obj, str(key)),
            ).fetchone()
            is not None
        )

    def _late(self, rng: random.Random, at: int) -> int:
        return max(0, self.a - rng.randrange(60, 600)) if rng.random() < LATE_SHARE else at

    def _act_new_prospect(self, rng: random.Random, at: int) -> bool:
        index = self.n_accounts
        self.n_accounts += 1
        generate_account(self.ctx, index, created=at)
        return True

    def _act_conversion(self, rng: random.Random, at: int) -> bool:
        row = self._live_account(rng, "Prospect")
        if row is None:
            return False
        account = self.m.sf_row("Account", row[0])
        assert account is not None
        country = next(c for c in COUNTRIES if c.name == account["BillingCountry"])
        entity = ENTITY_BY_REGION[country.region]
        domain = (account["Website"] or "example.com").removeprefix("www.")
        before = dict(account)
        cust, _ = open_customer(
            self.ctx, rng, account, country, entity.code, entity.subsidiary_id, None, at, domain, at=at
        )
        start_subscription(self.ctx, rng, cust, account, at + 60, second=False)
        changes = {
            k: v
            for k, v in account.items()
            if before[k] != v and k not in ("LastModifiedDate", "SystemModstamp")
        }
        changes["Type"] = "Customer"
        stamp = _sf_ts(account["_deleted_at"]) if account["IsDeleted"] else at
        self.sf_update("Account", account["Id"], changes, stamp)
        return True

    def _act_account_update(self, rng: random.Random, at: int) -> bool:
        row = self._live_account(rng)
        if row is None:
            return False
        fields = rng.choice(
            (
                {"Phone": f"+{rng.randrange(10**9, 10**10)}"},
                {"NumberOfEmployees": rng.randrange(5, 5000)},
                {"AnnualRevenue": float(rng.randrange(1, 500) * 100000)},
            )
        )
        self.sf_update("Account", row[0], fields, self._late(rng, at))
        return True

    def _act_contact_update(self, rng: random.Random, at: int) -> bool:
        row = self._random_row(rng, "Contact", "Id", "IsDeleted = 0")
        if row is None:
            return False
        title = rng.choice(("CFO", "Controller", "VP Finance", "CTO", "Head of Operations", "Buyer", "COO"))
        self.sf_update("Contact", row[0], {"Title": title}, self._late(rng, at))
        return True

    def _act_contact_delete(self, rng: random.Random, at: int) -> bool:
        row = self._random_row(rng, "Contact", "Id", "IsDeleted = 0")
        if row is None:
            return False
        self.sf_update("Contact", row[0], {"IsDeleted": 1, "_deleted_at": sf(at)}, at)
        return True

    def _act_opportunity_stage(self, rng: random.Random, at: int) -> bool:
        row = self._random_row(rng, "Opportunity", "Id, StageName", "IsDeleted = 0 and IsClosed = 0")
        if row is None:
            return False
        stages = [
            "Prospecting",
            "Qualification",
            "Needs Analysis",
            "Proposal/Price Quote",
            "Negotiation/Review",
        ]
        if row[1] == stages[-1] or rng.random() < 0.15:
            fields: dict[str, Any] = {"StageName": "Closed Lost", "IsClosed": 1, "Probability": 0.0}
        else:
            nxt = stages[min(len(stages) - 1, stages.index(row[1]) + 1)] if row[1] in stages else stages[1]
            fields = {"StageName": nxt, "Probability": float(20 * (stages.index(nxt) + 1))}
        self.sf_update("Opportunity", row[0], fields, self._late(rng, at))
        return True

    def _act_prospect_delete(self, rng: random.Random, at: int) -> bool:
        # Billing references only customers (planted references are never picked), so a prospect is safe to delete.
        row = self._live_account(rng, "Prospect")
        if row is None:
            return False
        self.sf_update("Account", row[0], {"IsDeleted": 1, "_deleted_at": sf(at)}, at)
        for child in ("Contact", "Opportunity"):
            for (cid,) in self.conn.execute(
                f'select Id from "{child}" where AccountId = ? and IsDeleted = 0', (row[0],)
            ).fetchall():
                self.sf_update(child, cid, {"IsDeleted": 1, "_deleted_at": sf(at)}, at)
        return True

    def _act_merge(self, rng: random.Random, at: int) -> bool:
        """A sales rep creates a duplicate prospect and merges it into the original within the hour."""
        row = self._live_account(rng, "Prospect")
        if row is None:
            return False
        account = self.m.sf_row("Account", row[0])
        assert account is not None
        dup_id = self.m.sfid("Account")
        created = max(self.a, at - rng.randrange(60, 1800))
        dup = dict(account)
        dup.update(
            {
                "Id": dup_id,
                "Name": account["Name"] + " (dup)",
                "Tax_Id__c": None,
                "IsDeleted": 1,
                "MasterRecordId": account["Id"],
                "_deleted_at": sf(at),
                "CreatedDate": sf(created),
                "LastModifiedDate": sf(at),
                "SystemModstamp": sf(at),
                "ParentId": None,
            }
        )
        self.m.sf_insert("Account", dup)
        self.tracker.insert("Account", dup_id)
        self.sf_update("Account", account["Id"], {}, at)  # a merge stamps the master record
        return True

    def _act_customer_update(self, rng: random.Random, at: int) -> bool:
        row = self._random_row(rng, "customers", "id", "deleted = 0")
        if row is None or self._planted_key("stripe", "customers", row[0]):
            return False
        doc = self.m.stripe_doc("customers", row[0])
        assert doc is not None
        previous = {"email": doc["email"]}
        doc["email"] = f"ap{rng.randrange(100)}@{doc['email'].split('@')[1]}"
        self.stripe_put("customers", doc, at)
        self.stripe_event("customer.updated", doc, previous, at)
        ns_cust = self.m.ns_row("customer", "externalid = ?", doc["id"])
        if ns_cust is not None:
            self.m.now = at + rng.randrange(60, 900)
            self.m.ns_update("customer", ns_cust["id"], {"email": doc["email"]})
            self.tracker.update("customer", ns_cust["id"])
        return True

    def _act_seat_change(self, rng: random.Random, at: int) -> bool:
        row = self._random_row(rng, "subscriptions", "id", "status = 'active'")
        if row is None or self._planted_key("stripe", "subscriptions", row[0]):
            return False
        doc = self.m.stripe_doc("subscriptions", row[0])
        assert doc is not None
        item = doc["items"]["data"][-1]
        previous = {"items": {"data": [{"id": item["id"], "quantity": item["quantity"]}]}}
        item["quantity"] = max(1, item["quantity"] + rng.choice((-2, -1, 1, 2, 5)))
        self.stripe_put("subscriptions", doc, at, current_period_end=item["current_period_end"])
        self.stripe_event("customer.subscription.updated", doc, previous, at)
        return True

    def _act_cancellation(self, rng: random.Random, at: int) -> bool:
        row = self._random_row(rng, "subscriptions", "id", "status = 'active'")
        if row is None or self._planted_key("stripe", "subscriptions", row[0]):
            return False
        doc = self.m.stripe_doc("subscriptions", row[0])
        assert doc is not None
        doc.update(status="canceled", canceled_at=at, ended_at=at)
        doc["cancellation_details"]["reason"] = "cancellation_requested"
        self.stripe_put("subscriptions", doc, at, current_period_end=None)
        self.stripe_event("customer.subscription.deleted", doc, None, at)
        return True

    def _act_refund(self, rng: random.Random, at: int) -> bool:
        row = self._random_row(
            rng,
            "charges",
            "id, payment_intent",
            "json_extract(data, '$.amount_refunded') = 0 and created > ?",
            self.a - 30 * DAY,
        )
        if row is None:
            return False
        ch = self.m.stripe_doc("charges", row[0])
        assert ch is not None
        amount = ch["amount"] if rng.random() < 0.5 else max(1, ch["amount"] // rng.randint(2, 10))
        re = sd.refund(self.ctx.sid("re"), at, ch["id"], row[1], amount, ch["currency"])
        self.ctx.stripe_row("refunds", re, at, charge=ch["id"], payment_intent=row[1])
        self.ctx.event("refund.created", at, re)
        previous = {"amount_refunded": 0, "refunded": False}
        ch["amount_refunded"], ch["refunded"] = amount, amount == ch["amount"]
        self.flush()
        self.stripe_put("charges", ch, at, payment_intent=row[1])
        self.stripe_event("charge.refunded", ch, previous, at)
        return True

    def _act_abandoned_signup(self, rng: random.Random, at: int) -> bool:
        """Someone signs up in billing and abandons; the customer is deleted in billing and in the ERP."""
        row = self._live_account(rng, "Prospect")
        if row is None:
            return False
        cid = self.ctx.sid("cus")
        doc = sd.customer(
            cid,
            at,
            row[2],
            f"signup{rng.randrange(1000)}@example.com",
            "US",
            "Austin",
            "USD",
            {"signup": "self-serve"},
        )
        self.ctx.stripe_row("customers", doc, at)
        self.ctx.event("customer.created", at, doc)
        ns_id = self.m.ns_id("entity")
        self.sink.add(
            "customer",
            nsr.customer_row(
                ns_id, f"CUST{ns_id:07d}", row[2], doc["email"], 2, "USD", None, cid, None, "Net 30", at
            ),
        )
        self.flush()
        gone = min(self.b - 1, at + rng.randrange(60, 3000))
        self.stripe_put("customers", sd.deleted(cid, "customer") | {"created": at}, gone)
        self.stripe_event("customer.deleted", doc, None, gone)
        self.m.now = gone
        logged = self.m.ns_delete("customer", "customer", ns_id, f"CUST{ns_id:07d}", cid)
        self.tracker.inserted["customer"].discard(ns_id)  # created and deleted within the hour
        self.tracker.insert("deletedrecord", logged)
        return True


def _sf_ts(text: str) -> int:
    """Unix seconds of a Salesforce datetime text."""
    return calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
