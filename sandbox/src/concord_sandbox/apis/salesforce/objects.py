"""The sObjects the emulator serves and their fields' describe metadata, derived from the store's tables.

Field names are the store's columns (minus sandbox-internal `_…` columns); their Salesforce types come from
the naming conventions below, so a new column in the store shows up in `describe` without code changes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from concord_sandbox.schema import SALESFORCE_TABLES

SOBJECTS: tuple[str, ...] = SALESFORCE_TABLES
KEY_PREFIX = {"User": "005", "Account": "001", "Contact": "003", "Opportunity": "006",
              "OpportunityLineItem": "00k", "Product2": "01t"}
LABELS = {"User": ("User", "Users"), "Account": ("Account", "Accounts"), "Contact": ("Contact", "Contacts"),
          "Opportunity": ("Opportunity", "Opportunities"),
          "OpportunityLineItem": ("Opportunity Product", "Opportunity Product"),
          "Product2": ("Product", "Products")}

_DATETIME = {"CreatedDate", "LastModifiedDate", "SystemModstamp"}
_DATE = {"CloseDate", "ServiceDate", "Last_Payment_Date__c"}
_BOOLEAN = {"IsDeleted", "IsActive", "IsClosed", "IsWon"}
_CURRENCY = {"Amount", "AnnualRevenue", "AR_Balance__c", "UnitPrice", "TotalPrice"}
_DOUBLE = {"Quantity"}
_PERCENT = {"Probability"}
_INT = {"NumberOfEmployees"}
_PICKLIST = {"Type", "Industry", "StageName", "LeadSource", "Family", "CurrencyIsoCode", "Billing_Status__c"}
_EMAIL = {"Email"}
_PHONE = {"Phone"}
_URL = {"Website"}
_TEXTAREA = {"BillingStreet", "Description"}
_REFERENCE_TO = {"ParentId": "Account", "AccountId": "Account", "OpportunityId": "Opportunity",
                 "Product2Id": "Product2", "OwnerId": "User", "CreatedById": "User", "LastModifiedById": "User"}
_EXTERNAL_ID = {"Concord_Account_Id__c", "Stripe_Product_Id__c", "Stripe_Subscription_Id__c"}
_SYSTEM = {"Id", "IsDeleted", "MasterRecordId", "CreatedDate", "CreatedById", "LastModifiedDate",
           "LastModifiedById", "SystemModstamp", "IsClosed", "IsWon", "TotalPrice", "Name_computed"}
_SOAP = {"id": "tns:ID", "reference": "tns:ID", "datetime": "xsd:dateTime", "date": "xsd:date",
         "boolean": "xsd:boolean", "currency": "xsd:double", "double": "xsd:double", "percent": "xsd:double",
         "int": "xsd:int"}


@dataclass(frozen=True)
class Field:
    """One field: API name, Salesforce type and the flags `describe` reports."""

    name: str
    type: str
    updateable: bool
    createable: bool
    nillable: bool
    external_id: bool
    reference_to: str | None = None

    def describe(self) -> dict[str, object]:
        """The field's entry in `describe.fields`."""
        return {
            "name": self.name, "label": self.name.removesuffix("__c").replace("_", " "), "type": self.type,
            "soapType": _SOAP.get(self.type, "xsd:string"), "updateable": self.updateable,
            "createable": self.createable, "nillable": self.nillable, "externalIdField": self.external_id,
            "idLookup": self.external_id or self.name == "Id", "unique": self.external_id,
            "custom": self.name.endswith("__c"), "filterable": True, "sortable": True,
            "length": 18 if self.type in ("id", "reference") else 255 if self.type in _STRINGY else 0,
            "precision": 18 if self.type in ("currency", "double", "percent") else 0,
            "scale": 2 if self.type in ("currency", "double", "percent") else 0,
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": self.name.removesuffix("Id") if self.reference_to else None,
        }


_STRINGY = {"string", "picklist", "email", "phone", "url", "textarea"}


def field_type(name: str) -> str:
    """The Salesforce type of a store column, by the naming conventions of the store schema."""
    for names, kind in ((_DATETIME, "datetime"), (_DATE, "date"), (_BOOLEAN, "boolean"),
                        (_CURRENCY, "currency"), (_DOUBLE, "double"), (_PERCENT, "percent"), (_INT, "int"),
                        (_PICKLIST, "picklist"), (_EMAIL, "email"), (_PHONE, "phone"), (_URL, "url"),
                        (_TEXTAREA, "textarea")):
        if name in names:
            return kind
    if name == "Id":
        return "id"
    if name in _REFERENCE_TO or name == "MasterRecordId":
        return "reference"
    return "string"


@dataclass(frozen=True)
class SObject:
    """An sObject: its name, key prefix and fields in store column order (case-insensitive lookup)."""

    name: str
    fields: tuple[Field, ...]
    by_lower: dict[str, Field] = field(repr=False)

    @property
    def has_is_deleted(self) -> bool:
        return "isdeleted" in self.by_lower

    def lookup(self, name: str) -> Field | None:
        """The field named `name` (case-insensitive, as SOQL is), or None."""
        return self.by_lower.get(name.lower())

    def describe(self) -> dict[str, object]:
        """The `describe` document: object flags, urls and field metadata."""
        label, plural = LABELS[self.name]
        base = f"/services/data/v62.0/sobjects/{self.name}"
        return {**self.summary(), "label": label, "labelPlural": plural,
                "fields": [f.describe() for f in self.fields],
                "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}}

    def summary(self) -> dict[str, object]:
        """The object's entry in `GET /sobjects`."""
        label, plural = LABELS[self.name]
        return {"name": self.name, "label": label, "labelPlural": plural, "keyPrefix": KEY_PREFIX[self.name],
                "custom": False, "createable": True, "updateable": True, "deletable": True, "queryable": True,
                "replicateable": True, "retrieveable": True, "searchable": True,
                "urls": {"sobject": f"/services/data/v62.0/sobjects/{self.name}"}}


def load_sobjects(conn: sqlite3.Connection) -> dict[str, SObject]:
    """Every served sObject, with fields read from the store's table definitions."""
    out: dict[str, SObject] = {}
    for name in SOBJECTS:
        fields = []
        for _cid, col, _decl, notnull, _default, _pk in conn.execute(f'pragma table_info("{name}")'):
            if col.startswith("_"):
                continue
            system = col in _SYSTEM
            fields.append(Field(col, field_type(col), updateable=not system, createable=not system,
                                nillable=not notnull and col != "Id", external_id=col in _EXTERNAL_ID,
                                reference_to=_REFERENCE_TO.get(col)))
        out[name] = SObject(name, tuple(fields), {f.name.lower(): f for f in fields})
    return out
