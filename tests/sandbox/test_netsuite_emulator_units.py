"""NetSuite emulator units: SuiteQL translation, OAuth1 base strings, token lifetime, the concurrency limit."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from concord_sandbox.apis.netsuite import oauth1
from concord_sandbox.apis.netsuite.errors import InvalidQueryError
from concord_sandbox.apis.netsuite.routes import ConcurrencyLimit
from concord_sandbox.apis.netsuite.suiteql import translate

SCHEMA = {
    "transaction": ("id", "type", "lastmodifieddate", "foreigntotal"),
    "transactionline": ("transaction", "id", "item"),
    "customer": ("id", "companyname", "lastmodifieddate"),
}


def test_translation_binds_literals_and_qualifies_fields() -> None:
    tr = translate("SELECT t.id, TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lmd FROM transaction t "
                   "WHERE t.type IN ('CustInvc', 'CustPymt') AND t.lastmodifieddate >= "
                   "TO_TIMESTAMP('2026-01-02 03:04:05', 'YYYY-MM-DD HH24:MI:SS') ORDER BY t.lastmodifieddate, t.id",
                   SCHEMA)
    assert tr.columns == ["id", "lmd"]
    assert tr.params == ["%Y-%m-%d %H:%M:%S", "CustInvc", "CustPymt", "2026-01-02 03:04:05"]
    assert tr.sql == ('select "t"."id", strftime(?, "t"."lastmodifieddate") from "transaction" as "t" where '
                      '("t"."type" in (?, ?) and "t"."lastmodifieddate" >= ?) '
                      'order by "t"."lastmodifieddate", "t"."id"')
    assert tr.count_sql == ('select count(*) from "transaction" as "t" where ("t"."type" in (?, ?) and '
                            '"t"."lastmodifieddate" >= ?)')
    assert tr.count_params == ["CustInvc", "CustPymt", "2026-01-02 03:04:05"]


def test_translation_of_joins_or_not_null_and_star() -> None:
    tr = translate("select tl.id, t.id as tid from transactionline tl join transaction t on tl.transaction = t.id "
                   "where (t.foreigntotal > 10.5 or t.foreigntotal is null) and not tl.item = 3", SCHEMA)
    assert tr.columns == ["id", "tid"] and tr.params == [10.5, 3]
    assert "join \"transaction\" as \"t\" on \"tl\".\"transaction\" = \"t\".\"id\"" in tr.sql
    star = translate("SELECT * FROM customer", SCHEMA)
    assert star.columns == ["id", "companyname", "lastmodifieddate"]


@pytest.mark.parametrize("query", [
    "SELECT id FROM customer; DROP TABLE customer",
    "SELECT id FROM customer c LEFT JOIN transaction t ON t.id = c.id",
    "SELECT id FROM transactionline tl JOIN transaction t ON tl.transaction = t.id",  # ambiguous id
    "SELECT SLEEP(1) FROM customer",
    "SELECT id FROM customer WHERE companyname = 'x' UNION SELECT id FROM transaction",
    "SELECT id FROM sandbox_meta",
    "SELECT id FROM customer WHERE lastmodifieddate > TO_TIMESTAMP('yesterday', 'YYYY-MM-DD')",
])
def test_unsupported_or_unsafe_queries_are_rejected(query: str) -> None:
    with pytest.raises(InvalidQueryError):
        translate(query, SCHEMA)


def test_oauth1_base_string_matches_rfc5849_example() -> None:
    # RFC 5849 §3.4.1.1's example request, signed here with HMAC-SHA256 instead of SHA1.
    header = ('OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", '
              'oauth_signature_method="HMAC-SHA256", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", '
              'oauth_signature="x"')
    base = oauth1.signature_base_string(
        "POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        oauth1.parse_oauth_header(header), "c2&a3=2+q")
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26"
        "c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26"
        "oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7")


def test_token_expires_after_sixty_minutes() -> None:
    from concord_sandbox.apis.netsuite.oauth2 import M2MCredentials, TokenIssuer

    now = [1_000_000.0]
    issuer = TokenIssuer(M2MCredentials("client", "cert", "unused"), clock=lambda: now[0])
    issuer._tokens["tok"] = now[0] + 3600
    assert issuer.valid("tok")
    now[0] += 3599
    assert issuer.valid("tok")
    now[0] += 2
    assert not issuer.valid("tok")


def test_concurrency_limit_answers_429_in_netsuite_envelope() -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        entered.set()
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def scenario() -> tuple[int, int, dict[str, Any]]:
        app = ConcurrencyLimit(slow_app, limit=1)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ns") as client:
            first = asyncio.create_task(client.get("/x"))
            await entered.wait()
            second = await client.get("/x")
            release.set()
            return (await first).status_code, second.status_code, second.json()

    first, second, body = asyncio.run(scenario())
    assert (first, second) == (200, 429)
    assert body["status"] == 429 and body["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
