with

source as (

    select * from {{ source('stripe', 'payment_intents') }}

),

exponents as (

    select * from {{ ref('currency_exponents') }}

),

renamed as (

    select
        -- ids
        source.id as payment_intent_id,
        source.customer as customer_id,
        source.latest_charge as latest_charge_id,

        -- strings
        source.status as payment_status,
        upper(source.currency) as currency,
        source.description,

        -- numerics
        source.amount as amount_minor,
        source.amount_received as amount_received_minor,
        {{ minor_to_major('source.amount', 'exponents.exponent') }} as amount,
        {{ minor_to_major('source.amount_received', 'exponents.exponent') }} as amount_received,

        -- booleans
        coalesce(source._concord_deleted, false) as is_deleted,

        -- timestamps
        {{ from_unix('source.created') }} as created_at,

        -- lineage
        {{ lineage_columns('source') }}

    from source
    left join exponents on exponents.currency = upper(source.currency)

)

select * from renamed
