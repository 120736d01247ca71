"""Fixtures for tap-salesforce tests: emulators over small seeded sandboxes, on free loopback ports
(`sf_shared`, `sf_db_copy`, `sf_private`; see `concord_sandbox.apis.salesforce.fixtures`)."""

from concord_sandbox.apis.salesforce.fixtures import sf_db_copy, sf_private, sf_shared

__all__ = ["sf_db_copy", "sf_private", "sf_shared"]
