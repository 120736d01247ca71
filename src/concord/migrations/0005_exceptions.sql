-- One row per inconsistency the checks found: a fault class and the implicated business objects' keys per
-- system ({"stripe": {"invoices": ["in_…"]}}, the sandbox ground truth's shape). exception_id is derived from
-- (class, keys), so the same inconsistency found again is the same row: a resolved one re-opens (resolved_at
-- cleared, reopened_count + 1) instead of a second row. Rows are never deleted.
create table concord_meta.exceptions (
    exception_id text primary key,
    class text not null,
    keys jsonb not null,
    steward_team text not null,
    expectation text not null,
    suite text not null,
    source text not null,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    resolved_at timestamptz,
    first_run_id text not null,
    last_run_id text not null,
    resolved_run_id text,
    occurrences integer not null default 1,
    reopened_count integer not null default 0,
    blocked boolean not null,
    detail jsonb not null default '{}'::jsonb,
    check ((resolved_at is null) = (resolved_run_id is null))
);
-- The lifecycle resolves the open exceptions of each expectation that ran.
create index exceptions_open_by_expectation_idx on concord_meta.exceptions (suite, expectation)
    where resolved_at is null;
-- The writeback exclusion reads the keys of open blocking exceptions.
create index exceptions_open_blocked_keys_idx on concord_meta.exceptions using gin (keys jsonb_path_ops)
    where resolved_at is null and blocked;
create index exceptions_open_class_idx on concord_meta.exceptions (class, first_seen_at) where resolved_at is null;
