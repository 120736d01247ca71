"""The class names an exception may carry: ARCHITECTURE's fault classes plus the engine's own contract class."""

from __future__ import annotations

from concord import fault_classes

FAULT_CLASSES: frozenset[str] = frozenset(fault_classes.FAULT_CLASSES)

# A landed table breaking its contract (null or duplicate key, a value outside its accepted set) is not a planted
# business inconsistency, so it gets its own class; the score ignores it.
CONTRACT_VIOLATION = "contract_violation"

# A finalized invoice still not in the ERP past the posting SLA with no known reason (no missing mapping or
# customer explains it): the integration is stuck. Not a planted class either; the score ignores it.
INVOICE_POSTING_OVERDUE = "invoice_posting_overdue"

EXCEPTION_CLASSES: frozenset[str] = FAULT_CLASSES | {CONTRACT_VIOLATION, INVOICE_POSTING_OVERDUE}

SYSTEMS: frozenset[str] = frozenset(fault_classes.SYSTEMS)
