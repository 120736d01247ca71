-- Records the loader refused, with why, so the rest of a batch can land and the refused ones can be replayed.
-- raw_record is the record's Singer line as received (text: JSON escapes keep NUL bytes intact); raw_sha256
-- identifies the same record seen again (a rerun after a crash), which refreshes last_seen_at and attempts.
create table concord_meta.quarantine (
    id bigserial primary key,
    source text not null,
    stream text not null,
    record_key jsonb,
    field_path text,
    reason text not null,
    raw_record text not null,
    raw_sha256 text not null,
    run_id text,
    first_seen_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    attempts integer not null default 1,
    resolved_at timestamptz,
    resolved_by_run text,
    unique (source, stream, raw_sha256)
);
create index quarantine_unresolved_idx on concord_meta.quarantine (source, stream) where resolved_at is null;
