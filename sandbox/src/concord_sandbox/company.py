"""The simulated company's fixed reference data: legal entities, currencies, countries, catalog, tax rates.

The mappings here (legal entity → NetSuite subsidiary, Stripe tax rate → tax code) are the ones the company's
finance team maintains; dbt seeds should hold the same mapping. Planted inconsistencies use the entries marked
unmapped, which the company created in billing but never mapped in the ERP.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Currency:
    """A NetSuite currency record; `exponent` is the number of minor-unit digits (JPY has none)."""

    ns_id: int
    code: str
    name: str
    exponent: int
    rate_to_usd: float


CURRENCIES: tuple[Currency, ...] = (
    Currency(1, "USD", "US Dollar", 2, 1.0),
    Currency(2, "GBP", "British Pound", 2, 1.27),
    Currency(3, "CAD", "Canadian Dollar", 2, 0.73),
    Currency(4, "EUR", "Euro", 2, 1.08),
    Currency(5, "JPY", "Japanese Yen", 0, 0.0067),
    Currency(6, "AUD", "Australian Dollar", 2, 0.66),
)
CURRENCY_BY_CODE = {c.code: c for c in CURRENCIES}


@dataclass(frozen=True)
class LegalEntity:
    """A legal entity the company bills from; `code` appears in Stripe metadata `legal_entity`."""

    code: str
    region: str
    subsidiary_id: int
    name: str
    country: str
    currency: str
    mapped: bool = True


# Subsidiary 1 is the parent holding company (NetSuite OneWorld); the operating entities hang below it.
PARENT_SUBSIDIARY = (1, "Northwind Holdings Inc.", "US", "USD")
LEGAL_ENTITIES: tuple[LegalEntity, ...] = (
    LegalEntity("NA-US", "NA", 2, "Northwind Software Inc.", "US", "USD"),
    LegalEntity("EMEA-IE", "EMEA", 3, "Northwind Software Ireland Ltd", "IE", "EUR"),
    LegalEntity("APAC-JP", "APAC", 4, "Northwind Software KK", "JP", "JPY"),
)
UNMAPPED_ENTITY = LegalEntity(
    "APAC-SG", "APAC", 0, "Northwind Software Singapore Pte Ltd", "SG", "USD", False
)
ENTITY_BY_REGION = {e.region: e for e in LEGAL_ENTITIES}


@dataclass(frozen=True)
class Country:
    """A customer country: which region (legal entity) sells there, in which currency, and its tax rate."""

    code: str
    name: str
    region: str
    currency: str
    tax_rate: str
    weight: int
    cities: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        "United States",
        "NA",
        "USD",
        "US-EXEMPT",
        40,
        ("New York", "San Francisco", "Austin", "Chicago"),
    ),
    Country("CA", "Canada", "NA", "CAD", "CA-GST", 6, ("Toronto", "Vancouver", "Montreal")),
    Country("GB", "United Kingdom", "EMEA", "GBP", "GB-VAT", 12, ("London", "Manchester", "Edinburgh")),
    Country("DE", "Germany", "EMEA", "EUR", "EU-VAT-RC", 10, ("Berlin", "Munich", "Hamburg")),
    Country("FR", "France", "EMEA", "EUR", "EU-VAT-RC", 7, ("Paris", "Lyon")),
    Country("NL", "Netherlands", "EMEA", "EUR", "EU-VAT-RC", 5, ("Amsterdam", "Rotterdam")),
    Country("JP", "Japan", "APAC", "JPY", "JP-CT", 12, ("Tokyo", "Osaka", "Fukuoka")),
    Country("AU", "Australia", "APAC", "AUD", "AU-GST", 8, ("Sydney", "Melbourne")),
)
COUNTRY_WEIGHTS = tuple(c.weight for c in COUNTRIES)


@dataclass(frozen=True)
class TaxRate:
    """A Stripe tax rate (`txr_…`); `mapped` says whether the ERP has a tax code for it."""

    code: str
    display_name: str
    jurisdiction: str
    country: str
    percentage: float
    mapped: bool = True


TAX_RATES: tuple[TaxRate, ...] = (
    TaxRate("US-EXEMPT", "Sales tax (exempt)", "US", "US", 0.0),
    TaxRate("CA-GST", "GST", "CA", "CA", 5.0),
    TaxRate("GB-VAT", "VAT", "GB", "GB", 20.0),
    TaxRate("EU-VAT-RC", "VAT (reverse charge)", "EU", "IE", 0.0),
    TaxRate("JP-CT", "Consumption tax", "JP", "JP", 10.0),
    TaxRate("AU-GST", "GST", "AU", "AU", 10.0),
    # Created in Stripe for EU one-stop-shop digital sales; finance never mapped it in NetSuite.
    TaxRate("EU-VAT-OSS", "VAT (OSS)", "EU", "IE", 21.0, mapped=False),
)
TAX_RATE_BY_CODE = {t.code: t for t in TAX_RATES}
UNMAPPED_TAX_RATE = "EU-VAT-OSS"


@dataclass(frozen=True)
class Product:
    """A catalog product: Salesforce Product2, Stripe product with one price per currency, NetSuite item."""

    code: str
    name: str
    family: str
    usd_unit_amount: int  # minor units per interval
    interval: str | None  # "month", "year" or None for one-time
    per_seat: bool


PRODUCTS: tuple[Product, ...] = (
    Product("PLT-STARTER", "Platform Starter", "Platform", 9900, "month", False),
    Product("PLT-PRO", "Platform Pro", "Platform", 49900, "month", False),
    Product("PLT-ENT", "Platform Enterprise", "Platform", 199900, "month", False),
    Product("PLT-ENT-Y", "Platform Enterprise (annual)", "Platform", 2158900, "year", False),
    Product("SEAT", "Additional seat", "Seats", 2500, "month", True),
    Product("SEAT-Y", "Additional seat (annual)", "Seats", 27000, "year", True),
    Product("SUP-PREM", "Premium support", "Services", 29900, "month", False),
    Product("ONB", "Onboarding package", "Services", 500000, None, False),
)


def price_amount(usd_minor: int, currency: str) -> int:
    """A list price converted from USD minor units into `currency` minor units, rounded to a tidy number."""
    cur = CURRENCY_BY_CODE[currency]
    major = usd_minor / 100 / cur.rate_to_usd
    if cur.exponent == 0:
        return int(round(major, -2))
    return round(major) * 100 - (100 - usd_minor % 100 if usd_minor % 100 else 0)
