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

payments as (

    select * from {{ ref('stg_stripe__payment_intents') }}

),

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

changed as (

    select joined.* from joined
    {% if is_incremental() %}
    where joined.payment_intent_id in (select key from changed_keys)
    {% endif %}

),

final as (

    select
        -- ids
        changed.payment_intent_id as payment_id,
        changed.canonical_account_id,
        changed.customer_id as stripe_customer_id,
        changed.invoice_id,
        changed.netsuite_transaction_id,
        changed.latest_charge_id,

        -- strings
        changed.payment_status,
        changed.currency,
        changed.erp_status,

        -- numerics
        changed.amount,
        changed.amount_received,
        changed.amount_minor,
        changed.amount_received_minor,
        changed.erp_amount,
        round(changed.amount_received * fx.rate_to_reporting, 2) as amount_received_reporting,
        fx.reporting_currency,

        -- booleans
        changed.netsuite_transaction_id is not null as is_posted_to_erp,
        changed.is_deleted,

        -- timestamps
        changed.created_at,
        changed.source_loaded_at,
        now() as built_at,
        changed.run_id

    from changed
    left join fx on fx.currency = changed.currency and fx.rate_date = changed.created_at::date

)

select * from final
