with

source as (

    select * from {{ source('stripe', 'prices') }}

),

exponents as (

    select * from {{ ref('currency_exponents') }}

),

renamed as (

    select
        -- ids
        source.id as price_id,
        source.product as product_id,

        -- strings
        upper(source.currency) as currency,
        source.type as price_type,
        source.recurring ->> 'interval' as recurring_interval,

        -- numerics
        source.unit_amount as unit_amount_minor,
        {{ minor_to_major('source.unit_amount', 'exponents.exponent') }} as unit_amount,

        -- booleans
        coalesce(source.active, false) as is_active,
        (coalesce(source.deleted, false) or coalesce(source._concord_deleted, false)) as is_deleted,

        -- timestamps
        {{ from_unix('source.created') }} as created_at,

        -- lineage
        {{ lineage_columns('source') }}

    from source
    left join exponents on exponents.currency = upper(source.currency)

)

select * from renamed
