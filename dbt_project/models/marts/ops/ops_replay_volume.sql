-- Replay volume per day and stream: records the loader quarantined, how many a replay resolved and how many
-- are still waiting; and writeback rows re-sent (attempt > 1) per destination and target.
with

quarantine as (

    select * from {{ source('concord_meta', 'quarantine') }}

),

writeback_log as (

    select * from {{ source('concord_meta', 'writeback_log') }}

),

quarantined as (

    select
        'load' as kind,
        source as system,
        stream as object,
        date_trunc('day', first_seen_at) as day,
        count(*) as records_quarantined,
        count(*) filter (where resolved_by_run is not null) as records_replayed,
        count(*) filter (where resolved_at is null) as records_waiting,
        0::bigint as writes_resent
    from quarantine
    group by 1, 2, 3, 4

),

resent as (

    select
        'writeback' as kind,
        destination as system,
        target as object,
        date_trunc('day', logged_at) as day,
        0::bigint as records_quarantined,
        0::bigint as records_replayed,
        0::bigint as records_waiting,
        count(*) filter (where attempt > 1) as writes_resent
    from writeback_log
    group by 1, 2, 3, 4

),

final as (

    select * from quarantined
    union all
    select * from resent

)

select * from final
