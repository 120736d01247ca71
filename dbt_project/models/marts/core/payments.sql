{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where is_deleted",
    )
}}
-- Billing payments (payment intents) with their ERP customer payment. The invoice a payment settles comes from
-- the ERP posting (its memo is the billing invoice number): the billing API links them through invoice_payment
-- objects, which the tap does not extract. Incremental like `invoices`.
with

erp_all as (

    select * from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustPymt'

),

invoices as (

    select invoice_id, invoice_number from {{ ref('stg_stripe__invoices') }}
    where invoice_number is not null

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'stripe'

),

fx as (

    select * from {{ ref('fx_rates') }}

),

{% if is_incremental() %}
watermark as (

    -- The start of the last build that changed this table, minus a lookback longer than any loader batch
    -- transaction: a batch still committing while that build ran carries an earlier `_concord_loaded_at`.
    select coalesce(max(built_at), '-infinity'::timestamptz)
        - interval '{{ var("incremental_lookback", "2 minutes") }}' as loaded_after
    from {{ this }}

),

changed_keys as (

    -- Rows whose billing record or ERP posting landed since the last build, and rows whose canonical account
    -- moved.
    select payment_intent_id as key from {{ ref('stg_stripe__payment_intents') }}
    where loaded_at > (select loaded_after from watermark)
    union
    select external_id from erp_all
    where loaded_at > (select loaded_after from watermark) and external_id is not null
    union
    select built.payment_id from {{ this }} as built
    left join resolved on resolved.source_record_id = built.stripe_customer_id
    where resolved.canonical_account_id is distinct from built.canonical_account_id

),
{% endif %}

-- materialized: the planner would otherwise join every row before applying the key filter
payments as materialized (

    select * from {{ ref('stg_stripe__payment_intents') }}
    {% if is_incremental() %}
    where payment_intent_id in (select key from changed_keys)
    {% endif %}

),

joined as (

    select
        payments.*,
        resolved.canonical_account_id,
        erp.transaction_id as netsuite_transaction_id,
        erp.transaction_status as erp_status,
        erp.total as erp_amount,
        invoices.invoice_id,
        greatest(payments.loaded_at, erp_any.loaded_at) as source_loaded_at
    from payments
    left join erp_all as erp_any on erp_any.external_id = payments.payment_intent_id
    left join erp_all as erp on erp.external_id = payments.payment_intent_id and not erp.is_deleted
    left join invoices on invoices.invoice_number = erp.memo
    left join resolved on resolved.source_record_id = payments.customer_id

),

final as (

    select
        -- ids
        joined.payment_intent_id as payment_id,
        joined.canonical_account_id,
        joined.customer_id as stripe_customer_id,
        joined.invoice_id,
        joined.netsuite_transaction_id,
        joined.latest_charge_id,

        -- strings
        joined.payment_status,
        joined.currency,
        joined.erp_status,

        -- numerics
        joined.amount,
        joined.amount_received,
        joined.amount_minor,
        joined.amount_received_minor,
        joined.erp_amount,
        round(joined.amount_received * fx.rate_to_reporting, 2) as amount_received_reporting,
        fx.reporting_currency,

        -- booleans
        joined.netsuite_transaction_id is not null as is_posted_to_erp,
        joined.is_deleted,

        -- timestamps
        joined.created_at,
        joined.source_loaded_at,
        now() as built_at,
        joined.run_id

    from joined
    left join fx on fx.currency = joined.currency and fx.rate_date = joined.created_at::date

)

select * from final
