"""Extract-load: run a source's tap into `target-concord`, with state from the warehouse, under a source lock."""
