"""The `concord` command line: one Typer sub-application per area (warehouse, sandbox, ...)."""
