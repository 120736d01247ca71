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
-- posting landed after the newest already built (minus a lookback for loads that overlapped the last build),
-- and invoices whose canonical account changed; a deleted billing invoice is merged in and then removed.
with

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

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
    select invoice_id as key from {{ ref('stg_stripe__invoices') }}
    where loaded_at > (select loaded_after from watermark)
    union
    select external_id from erp_all
    where loaded_at > (select loaded_after from watermark) and external_id is not null
    union
    select built.invoice_id from {{ this }} as built
    left join resolved on resolved.source_record_id = built.stripe_customer_id
    where resolved.canonical_account_id is distinct from built.canonical_account_id

),
{% endif %}

changed as (

    select joined.* from joined
    {% if is_incremental() %}
    where joined.invoice_id in (select key from changed_keys)
    {% endif %}

),

final as (

    select
        -- ids
        changed.invoice_id,
        changed.canonical_account_id,
        changed.customer_id as stripe_customer_id,
        changed.subscription_id,
        changed.netsuite_transaction_id,
        changed.tax_rate_id as stripe_tax_rate_id,

        -- strings
        changed.invoice_number,
        changed.invoice_status,
        changed.billing_reason,
        changed.collection_method,
        changed.currency,
        changed.legal_entity_code,
        changed.erp_status,
        changed.erp_currency,

        -- numerics (major units)
        changed.subtotal,
        changed.tax_total,
        changed.total,
        changed.amount_due,
        changed.amount_paid,
        changed.amount_remaining,
        changed.total_minor,
        changed.amount_due_minor,
        changed.amount_paid_minor,
        changed.amount_remaining_minor,
        changed.erp_total,
        changed.erp_amount_remaining,
        round(changed.total * fx.rate_to_reporting, 2) as total_reporting,
        fx.reporting_currency,

        -- booleans
        changed.netsuite_transaction_id is not null as is_posted_to_erp,
        changed.is_deleted,

        -- timestamps
        changed.created_at,
        changed.finalized_at,
        changed.paid_at,
        changed.due_at,
        changed.period_start_at,
        changed.period_end_at,
        changed.source_loaded_at,
        now() as built_at,
        changed.run_id

    from changed
    left join fx on fx.currency = changed.currency and fx.rate_date = changed.created_at::date

)

select * from final
