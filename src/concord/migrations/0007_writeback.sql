-- Reverse-ETL bookkeeping. A destination is a system (salesforce, netsuite, stripe); a target is one wb_* model
-- written to it (salesforce.accounts, netsuite.customers, netsuite.invoices, netsuite.payments, stripe.customers).
-- writeback_state: what Concord last wrote successfully per (target, key), so a run sends only changed rows.
create table concord_meta.writeback_state (
    target text not null,
    key text not null,
    destination text not null,
    field_set text[] not null,
    content_hash text not null,
    destination_id text,
    written_at timestamptz not null,
    run_id text not null,
    primary key (target, key)
);
-- writeback_log: one row per attempt to write one row (append-only; rows are never updated or deleted).
-- attempt counts across runs for the same (target, key, content_hash); after the configured number of attempts a
-- retriable rejection becomes dead_lettered. `concord replay --writebacks DEST` re-sends the rows whose latest
-- outcome is dead_lettered.
create table concord_meta.writeback_log (
    log_id bigint generated always as identity primary key,
    run_id text not null,
    destination text not null,
    target text not null,
    key text not null,
    content_hash text not null,
    outcome text not null check (outcome in ('succeeded', 'invalid', 'rejected', 'dead_lettered')),
    attempt integer not null default 1,
    retriable boolean,
    http_status integer,
    error text,
    logged_at timestamptz not null default now()
);
create index writeback_log_run_idx on concord_meta.writeback_log (run_id);
create index writeback_log_key_idx on concord_meta.writeback_log (target, key, log_id desc);
