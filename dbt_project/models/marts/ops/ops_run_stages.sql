-- The run ledger, one row per run and stage, with the stage's kind and target split out and its duration.
with

runs as (

    select * from {{ source('concord_meta', 'runs') }}

),

final as (

    select
        -- ids
        run_id,
        stage,
        split_part(stage, ':', 1) as stage_kind,
        nullif(split_part(stage, ':', 2), '') as stage_target,
        source,

        -- strings
        status,

        -- numerics
        records_in,
        records_out,
        quarantined,
        retries,
        (select coalesce(sum(value::bigint), 0) from jsonb_each_text(api_errors)) as api_errors_total,
        bytes,
        extract(epoch from (ended_at - started_at))::double precision as duration_seconds,

        -- semi-structured
        api_errors,
        detail,

        -- timestamps
        started_at,
        ended_at,
        min(started_at) over (partition by run_id) as run_started_at

    from runs

)

select * from final
