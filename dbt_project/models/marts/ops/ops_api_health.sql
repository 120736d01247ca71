-- API failure and retry rates per run and stage (the taps' syncs, and the writebacks' calls): requests made,
-- error responses (by HTTP status in api_errors), retries.
with

stages as (

    select * from {{ ref('ops_run_stages') }}
    where stage_kind in ('sync', 'writeback')

),

final as (

    select
        -- ids
        run_id,
        stage,
        stage_kind,
        coalesce(source, stage_target) as system,

        -- numerics
        coalesce((detail ->> 'requests')::bigint, 0) as requests,
        api_errors_total,
        retries,
        case when coalesce((detail ->> 'requests')::bigint, 0) > 0
            then api_errors_total::double precision / (detail ->> 'requests')::bigint end as api_failure_rate,
        case when coalesce((detail ->> 'requests')::bigint, 0) > 0
            then retries::double precision / (detail ->> 'requests')::bigint end as retry_rate,

        -- semi-structured
        api_errors,

        -- strings
        status,

        -- timestamps
        started_at

    from stages

)

select * from final
