"""`target-concord`: the Singer target that lands streams in `raw_<source>.<stream>` exactly once.

Modules: `config` (settings), `messages` (Singer line parsing), `schema_map` (JSON schema → columns),
`validate` (per-record conversion and checks), `tables` (DDL and evolution), `copy_writer` (COPY sinks),
`merge` (staging → current state), `state_store` (Singer state), `quarantine`, `target` (the run loop),
`replay` (re-processing quarantined records), `cli`.
"""
