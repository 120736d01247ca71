-- Sources whose writebacks a check run blocks entirely: a systemic failure, i.e. a `block` contract expectation
-- failing for more than the configured share of its rows (reason 'contract', measured = percent of rows), the
-- source past its freshness SLA (reason 'freshness', measured = hours since its last successful load; null when
-- it never loaded), or a check of the source that could not execute (reason 'unchecked': nothing vouches for its
-- data). One row per (run, source, check); written by the check stage, never updated.
create table concord_meta.source_blocks (
    run_id text not null,
    source text not null,
    reason text not null check (reason in ('contract', 'freshness', 'unchecked')),
    check_name text not null,
    measured double precision,
    threshold double precision not null,
    blocked_at timestamptz not null default now(),
    primary key (run_id, source, check_name)
);
-- The writeback engine and the wb_* models read the blocks of the latest finished check run:
-- `where not exists (select 1 from concord_meta.blocked_sources where source = 'netsuite')`.
create view concord_meta.blocked_sources as
select b.source, b.reason, b.check_name, b.measured, b.threshold, b.run_id, b.blocked_at
from concord_meta.source_blocks b
where b.run_id = (
    select r.run_id from concord_meta.runs r
    where r.stage = 'check' and r.status in ('succeeded', 'failed')
    order by r.ended_at desc nulls last, r.started_at desc
    limit 1
);
