-- Duplicate-record rate per system: of the account records a system holds, how many are duplicates of another
-- record there (identity resolution's duplicate findings list every record of a group; all but one are
-- duplicates).
with

resolved as (

    select * from {{ ref('int_accounts_resolved') }}

),

findings as (

    select * from {{ ref('int_identity_findings') }}
    where finding_class like 'duplicate%'

),

groups as (

    select
        systems.key as system,
        jsonb_array_length(objects.value) as records_in_group
    from findings
    cross join lateral jsonb_each(findings.keys) as systems
    cross join lateral jsonb_each(systems.value) as objects
    where jsonb_typeof(objects.value) = 'array'

),

duplicates as (

    select
        system,
        count(*) as duplicate_groups,
        sum(greatest(records_in_group - 1, 0)) as duplicate_records
    from groups
    group by 1

),

totals as (

    select
        source_system as system,
        count(*) as records
    from resolved
    group by 1

),

final as (

    select
        -- ids
        totals.system,

        -- numerics
        totals.records,
        coalesce(duplicates.duplicate_groups, 0) as duplicate_groups,
        coalesce(duplicates.duplicate_records, 0) as duplicate_records,
        coalesce(duplicates.duplicate_records, 0)::double precision / nullif(totals.records, 0) as duplicate_rate

    from totals
    left join duplicates on duplicates.system = totals.system

)

select * from final
