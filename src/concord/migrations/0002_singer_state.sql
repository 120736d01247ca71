-- Singer state per tap (state_id, by default the source name). The loader writes a batch's STATE in the same
-- transaction as the batch's rows, so the stored state never runs ahead of (or behind) the landed data.
create table concord_meta.singer_state (
    state_id text primary key,
    state jsonb not null,
    updated_at timestamptz not null default now(),
    run_id text
);
