"""Versioned SQL migrations for `concord_meta`, applied in order by `concord.warehouse.migrate`."""
