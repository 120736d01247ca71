-- The run ledger: one row per run and stage, filled by every stage (sync, load, transform, check, writeback).
create table concord_meta.runs (
    run_id text not null,
    stage text not null,
    source text,
    started_at timestamptz not null default now(),
    ended_at timestamptz,
    status text not null default 'running'
        check (status in ('running', 'succeeded', 'failed', 'partial')),
    records_in bigint not null default 0,
    records_out bigint not null default 0,
    quarantined bigint not null default 0,
    retries integer not null default 0,
    api_errors jsonb not null default '{}'::jsonb,
    bytes bigint not null default 0,
    detail jsonb not null default '{}'::jsonb,
    primary key (run_id, stage)
);
create index runs_started_at_idx on concord_meta.runs (started_at);
