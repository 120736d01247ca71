"""Reverse-ETL writebacks: the `wb_*` models' desired state, diffed against what Concord last wrote, sent to
Salesforce, NetSuite and Stripe; one outcome per row in `concord_meta.writeback_log`."""
