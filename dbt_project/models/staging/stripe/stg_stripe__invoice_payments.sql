with

source as (

    select * from {{ source('stripe', 'invoice_payments') }}

),

exponents as (

    select * from {{ ref('currency_exponents') }}

),

renamed as (

    select
        -- ids
        source.id as invoice_payment_id,
        source.invoice as invoice_id,
        source.payment ->> 'payment_intent' as payment_intent_id,

        -- strings
        source.status as invoice_payment_status,
        source.payment ->> 'type' as payment_type,
        upper(source.currency) as currency,

        -- numerics
        source.amount_paid as amount_paid_minor,
        source.amount_requested as amount_requested_minor,
        {{ minor_to_major('source.amount_paid', 'exponents.exponent') }} as amount_paid,
        {{ minor_to_major('source.amount_requested', 'exponents.exponent') }} as amount_requested,

        -- booleans
        coalesce(source.is_default, false) as is_default,
        coalesce(source._concord_deleted, false) as is_deleted,

        -- timestamps
        {{ from_unix('source.created') }} as created_at,
        {{ from_unix("(source.status_transitions ->> 'paid_at')::bigint") }} as paid_at,

        -- lineage
        {{ lineage_columns('source') }}

    from source
    left join exponents on exponents.currency = upper(source.currency)

)

select * from renamed
