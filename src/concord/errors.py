"""Exception classes shared across Concord; each carries what a user needs to act on it."""

from __future__ import annotations


class ConcordError(Exception):
    """An error the user can act on; the CLI prints its message as one paragraph, without a traceback."""


class WarehouseError(ConcordError):
    """The warehouse could not be started, reached or migrated."""


class MigrationError(WarehouseError):
    """A metadata migration failed; names the migration and the reason."""
