-- Sync latency per run and stream: how long after the source modified a record it landed in the warehouse
-- (load time minus the source's modification time, on the source's clock: the sync ledger row records how far
-- the source's clock is behind ours; 0 for real APIs, the simulated clock's offset for the sandbox).
-- A row counts for the run that landed its current version, and only when it changed after the source's previous
-- sync started (on the source's clock): a record re-read at a bookmark boundary is not new (a first sync measures
-- the whole history).
-- Incremental: a build measures only the (run, stream) pairs with a loader batch committed after the last build
-- began (concord_meta.load_batches) and keeps the others as measured; a rebuild read every raw row each hour
-- (3 s at medium scale, growing with the company). A row later re-landed by another run stays counted for the
-- run that measured it.
{{
    config(
        materialized='incremental',
        unique_key=['run_id', 'source', 'stream'],
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
    )
}}
with

{% if is_incremental() %}
landed_batches as (

    select distinct batches.run_id, batches.schema_name, batches.table_name
    from {{ source('concord_meta', 'load_batches') }} as batches
    {#- a table built before built_at existed (it then gets the column): measure every recorded batch again #}
    {%- if 'built_at' in adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
    where batches.committed_at > {{ last_build_began(this) }}
    {%- endif %}

),
{% endif %}

landed as (

    {{ ops_landed_rows(only_batches='landed_batches' if is_incremental() else none) }}

),

syncs as (

    select
        run_id,
        source,
        started_at,
        clock_skew_seconds,
        lag(started_at - make_interval(secs => clock_skew_seconds))
            over (partition by source order by started_at) as previous_sync_source_clock
    from (
        select
            run_id,
            source,
            started_at,
            coalesce((detail ->> 'source_clock_skew_seconds')::double precision, 0) as clock_skew_seconds
        from {{ source('concord_meta', 'runs') }}
        where stage like 'sync:%'
            and status in ('succeeded', 'partial')
    ) as ledger

),

measured as (

    select
        landed.run_id,
        landed.source,
        landed.stream,
        syncs.started_at as sync_started_at,
        landed.loaded_at,
        greatest(
            0,
            extract(epoch from (landed.loaded_at - landed.modified_at))
                - coalesce(syncs.clock_skew_seconds, 0)
        )::double precision as latency_seconds
    from landed
    left join syncs
        on syncs.run_id = landed.run_id
        and syncs.source = landed.source
    where landed.modified_at is not null
        and (syncs.previous_sync_source_clock is null or landed.modified_at >= syncs.previous_sync_source_clock)

),

final as (

    select
        -- ids
        run_id,
        source,
        stream,

        -- numerics
        count(*) as records,
        percentile_cont(0.5) within group (order by latency_seconds) as p50_latency_seconds,
        percentile_cont(0.95) within group (order by latency_seconds) as p95_latency_seconds,
        max(latency_seconds) as max_latency_seconds,

        -- timestamps
        coalesce(min(sync_started_at), min(loaded_at)) as run_started_at,
        max(loaded_at) as last_loaded_at,
        now() as built_at

    from measured
    group by run_id, source, stream

)

select * from final
