with

source as (

    select * from {{ source('stripe', 'customers') }}

),

renamed as (

    select
        -- ids
        id as customer_id,
        nullif(metadata ->> 'salesforce_account_id', '') as salesforce_account_id,
        nullif(metadata ->> 'legal_entity', '') as legal_entity_code,
        nullif(metadata ->> 'concord_account_id', '') as concord_account_id,

        -- strings
        name as customer_name,
        lower(email) as email,
        phone,
        upper(currency) as currency,
        address ->> 'country' as country_code,
        address ->> 'city' as city,

        -- numerics
        balance as balance_minor,

        -- booleans
        (coalesce(deleted, false) or coalesce(_concord_deleted, false)) as is_deleted,
        coalesce(delinquent, false) as is_delinquent,

        -- timestamps
        {{ from_unix('created') }} as created_at,
        _sdc_deleted_at as deleted_at,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
