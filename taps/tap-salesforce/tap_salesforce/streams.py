"""The sObject streams: declarative; their schemas come from `describe` when the tap discovers them."""

from __future__ import annotations

from tap_salesforce.client import SalesforceStream


class UserStream(SalesforceStream):
    """Users (owners of accounts and deals)."""

    sobject = "User"


class AccountStream(SalesforceStream):
    """Accounts, with the `ParentId` hierarchy and Concord's writeback fields."""

    sobject = "Account"


class ContactStream(SalesforceStream):
    """Contacts of accounts."""

    sobject = "Contact"


class OpportunityStream(SalesforceStream):
    """Opportunities; closed-won ones carry the Stripe subscription id."""

    sobject = "Opportunity"


class OpportunityLineItemStream(SalesforceStream):
    """Opportunity products."""

    sobject = "OpportunityLineItem"


class Product2Stream(SalesforceStream):
    """The product catalogue."""

    sobject = "Product2"


STREAM_TYPES: dict[str, type[SalesforceStream]] = {
    cls.sobject: cls for cls in (UserStream, AccountStream, ContactStream, OpportunityStream,
                                 OpportunityLineItemStream, Product2Stream)
}
