with

source as (

    select * from {{ source('stripe', 'invoices') }}

),

exponents as (

    select * from {{ ref('currency_exponents') }}

),

renamed as (

    select
        -- ids
        source.id as invoice_id,
        source.customer as customer_id,
        source.parent -> 'subscription_details' ->> 'subscription' as subscription_id,
        nullif(source.metadata ->> 'legal_entity', '') as legal_entity_code,
        source.total_taxes -> 0 -> 'tax_rate_details' ->> 'tax_rate' as tax_rate_id,

        -- strings
        source.number as invoice_number,
        source.status as invoice_status,
        source.billing_reason,
        source.collection_method,
        upper(source.currency) as currency,

        -- numerics (minor units as the API gives them, and major units)
        exponents.exponent as currency_exponent,
        source.total as total_minor,
        source.amount_due as amount_due_minor,
        source.amount_paid as amount_paid_minor,
        source.amount_remaining as amount_remaining_minor,
        {{ minor_to_major('source.subtotal', 'exponents.exponent') }} as subtotal,
        {{ minor_to_major('source.total', 'exponents.exponent') }} as total,
        {{ minor_to_major('source.total - source.total_excluding_tax', 'exponents.exponent') }} as tax_total,
        {{ minor_to_major('source.amount_due', 'exponents.exponent') }} as amount_due,
        {{ minor_to_major('source.amount_paid', 'exponents.exponent') }} as amount_paid,
        {{ minor_to_major('source.amount_remaining', 'exponents.exponent') }} as amount_remaining,

        -- nested
        source.lines -> 'data' as lines,

        -- booleans
        (coalesce(source._concord_deleted, false)) as is_deleted,

        -- timestamps
        {{ from_unix('source.created') }} as created_at,
        {{ from_unix('source.due_date') }} as due_at,
        {{ from_unix('source.period_start') }} as period_start_at,
        {{ from_unix('source.period_end') }} as period_end_at,
        {{ from_unix("(source.status_transitions ->> 'finalized_at')::bigint") }} as finalized_at,
        {{ from_unix("(source.status_transitions ->> 'paid_at')::bigint") }} as paid_at,

        -- lineage
        {{ lineage_columns('source') }}

    from source
    left join exponents on exponents.currency = upper(source.currency)

)

select * from renamed
