with

source as (

    select * from {{ source('stripe', 'products') }}

),

renamed as (

    select
        -- ids
        id as product_id,
        default_price as default_price_id,

        -- strings
        name as product_name,
        metadata ->> 'product_code' as product_code,
        description,

        -- booleans
        coalesce(active, false) as is_active,
        (coalesce(deleted, false) or coalesce(_concord_deleted, false)) as is_deleted,

        -- timestamps
        {{ from_unix('created') }} as created_at,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
