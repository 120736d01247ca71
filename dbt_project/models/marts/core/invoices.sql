{{
    config(
        materialized='incremental',
        unique_key='invoice_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where is_deleted",
    )
}}
-- Billing invoices with their ERP posting. Incremental: a run reprocesses invoices whose billing row or ERP
-- posting landed after the last build could see them (loader batches that committed after it began included),
-- and invoices whose canonical account changed; a deleted billing invoice is merged in and then removed.
with

erp_all as (

    select * from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustInvc'

),

erp_currencies as (

    select * from {{ ref('stg_netsuite__currencies') }}

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'stripe'

),

fx as (

    select * from {{ ref('fx_rates') }}

),

{{ incremental_changed_keys('stg_stripe__invoices', 'invoice_id', 'erp_all', 'invoice_id') }}

-- materialized, and `= any(array(…))`: the key list becomes one parameter, so the staging view is read through
-- the raw table's primary key instead of being computed for every row and then filtered
invoices as materialized (

    select * from {{ ref('stg_stripe__invoices') }}
    {% if is_incremental() %}
    where invoice_id = any(array(select key from changed_keys))
    {% endif %}

),

joined as (

    select
        invoices.*,
        resolved.canonical_account_id,
        erp.transaction_id as netsuite_transaction_id,
        erp.transaction_status as erp_status,
        erp.total as erp_total,
        erp.amount_remaining as erp_amount_remaining,
        erp_currencies.currency as erp_currency,
        greatest(invoices.loaded_at, erp_any.loaded_at) as source_loaded_at
    from invoices
    left join erp_all as erp_any on erp_any.external_id = invoices.invoice_id
    left join erp_all as erp on erp.external_id = invoices.invoice_id and not erp.is_deleted
    left join erp_currencies on erp_currencies.currency_id = erp.currency_id
    left join resolved on resolved.source_record_id = invoices.customer_id

),

final as (

    select
        -- ids
        joined.invoice_id,
        joined.canonical_account_id,
        joined.customer_id as stripe_customer_id,
        joined.subscription_id,
        joined.netsuite_transaction_id,
        joined.tax_rate_id as stripe_tax_rate_id,

        -- strings
        joined.invoice_number,
        joined.invoice_status,
        joined.billing_reason,
        joined.collection_method,
        joined.currency,
        joined.legal_entity_code,
        joined.erp_status,
        joined.erp_currency,

        -- numerics (major units)
        joined.subtotal,
        joined.tax_total,
        joined.total,
        joined.amount_due,
        joined.amount_paid,
        joined.amount_remaining,
        joined.total_minor,
        joined.amount_due_minor,
        joined.amount_paid_minor,
        joined.amount_remaining_minor,
        joined.erp_total,
        joined.erp_amount_remaining,
        round(joined.total * fx.rate_to_reporting, 2) as total_reporting,
        fx.reporting_currency,

        -- booleans
        joined.netsuite_transaction_id is not null as is_posted_to_erp,
        joined.is_deleted,

        -- timestamps
        joined.created_at,
        joined.finalized_at,
        joined.paid_at,
        joined.due_at,
        joined.period_start_at,
        joined.period_end_at,
        joined.source_loaded_at,
        now() as built_at,
        joined.run_id

    from joined
    left join fx on fx.currency = joined.currency and fx.rate_date = joined.created_at::date

)

select * from final
