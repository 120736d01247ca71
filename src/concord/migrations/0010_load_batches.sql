-- One row per raw table a loader batch changed: when its transaction started (the `_concord_loaded_at` its rows
-- carry) and when it was about to commit. The incremental marts read it to find rows an earlier build could not
-- see: a batch that began before that build and committed after it carries loaded_at values older than the build.
-- Written by the loader in the batch's own transaction; rows older than 30 days are pruned by the loader.
create table concord_meta.load_batches (
    batch_id bigint generated always as identity primary key,
    run_id text not null,
    schema_name text not null,
    table_name text not null,
    rows bigint not null,
    started_at timestamptz not null,
    committed_at timestamptz not null
);
create index load_batches_committed_at on concord_meta.load_batches (committed_at);
