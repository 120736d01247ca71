"""Operations view: the run ledger every stage fills, tap metrics, status, tracing and the health report."""
