-- One row per expectation per checkpoint run: what the quality engine checked, and how it came out.
-- status: success (no failing rows), failure (the check ran and found failing rows), error (it could not run:
-- missing table or column, a GX error); an error makes the run fail, a failure does not.
create table concord_meta.check_results (
    id bigserial primary key,
    run_id text not null,
    suite text not null,
    expectation text not null,
    source text not null,
    table_name text not null,
    status text not null check (status in ('success', 'failure', 'error')),
    element_count bigint,
    unexpected_count bigint,
    unexpected_percent double precision,
    policy text not null check (policy in ('block', 'warn')),
    detail jsonb not null default '{}'::jsonb,
    checked_at timestamptz not null default now(),
    unique (run_id, suite, expectation)
);
create index check_results_checked_at_idx on concord_meta.check_results (checked_at);
create index check_results_failing_idx on concord_meta.check_results (run_id, source) where status <> 'success';
