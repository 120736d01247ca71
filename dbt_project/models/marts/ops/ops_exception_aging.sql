-- Open exceptions by class, steward team and age (0–1, 1–3, 3–7, > 7 days since first seen).
with

exceptions as (

    select * from {{ source('concord_meta', 'exceptions') }}
    where resolved_at is null

),

aged as (

    select
        class,
        steward_team,
        first_seen_at,
        extract(epoch from (now() - first_seen_at)) / 86400.0 as age_days
    from exceptions

),

final as (

    select
        -- ids
        class,
        steward_team,

        -- strings
        case
            when age_days < 1 then '0-1 d'
            when age_days < 3 then '1-3 d'
            when age_days < 7 then '3-7 d'
            else '> 7 d'
        end as age_bucket,

        -- numerics
        case
            when age_days < 1 then 1
            when age_days < 3 then 2
            when age_days < 7 then 3
            else 4
        end as age_bucket_order,
        count(*) as open_exceptions,
        max(age_days) as oldest_age_days,

        -- timestamps
        min(first_seen_at) as oldest_first_seen_at

    from aged
    group by 1, 2, 3, 4

)

select * from final
