with

source as (

    select * from {{ source('stripe', 'subscriptions') }}

),

renamed as (

    select
        -- ids
        id as subscription_id,
        customer as customer_id,
        latest_invoice as latest_invoice_id,

        -- strings
        status as subscription_status,
        collection_method,
        upper(currency) as currency,

        -- nested
        items -> 'data' as items,

        -- booleans
        coalesce(cancel_at_period_end, false) as is_cancel_at_period_end,
        coalesce(_concord_deleted, false) as is_deleted,

        -- timestamps
        {{ from_unix('created') }} as created_at,
        {{ from_unix('start_date') }} as started_at,
        {{ from_unix('canceled_at') }} as canceled_at,
        {{ from_unix('ended_at') }} as ended_at,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
