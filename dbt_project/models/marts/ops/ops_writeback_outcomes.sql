-- Writeback outcomes per run, destination and target: attempts by outcome (succeeded, invalid, rejected,
-- dead_lettered) and the success rate of the run's attempts.
with

log as (

    select * from {{ source('concord_meta', 'writeback_log') }}

),

final as (

    select
        -- ids
        run_id,
        destination,
        target,

        -- numerics
        count(*) as attempts,
        count(*) filter (where outcome = 'succeeded') as succeeded,
        count(*) filter (where outcome = 'invalid') as invalid,
        count(*) filter (where outcome = 'rejected') as rejected,
        count(*) filter (where outcome = 'dead_lettered') as dead_lettered,
        (count(*) filter (where outcome = 'succeeded'))::double precision / count(*) as success_rate,

        -- timestamps
        min(logged_at) as first_logged_at,
        max(logged_at) as last_logged_at

    from log
    group by 1, 2, 3

)

select * from final
