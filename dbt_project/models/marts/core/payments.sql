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
-- billing's invoice_payment objects (the API's only link since 2025), else from the ERP posting (its memo is the
-- billing invoice number). Incremental like `invoices`; a late invoice_payment reprocesses its payment.
with

erp_all as (

    select * from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustPymt'

),

invoices as (

    select invoice_id, invoice_number from {{ ref('stg_stripe__invoices') }}
    where invoice_number is not null

),

-- every invoice_payment row (deleted ones too): a late one reprocesses its payment
invoice_links_all as (

    select payment_intent_id as key, loaded_at
    from {{ ref('stg_stripe__invoice_payments') }}

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'stripe'

),

fx as (

    select * from {{ ref('fx_rates') }}

),

{{ incremental_changed_keys('stg_stripe__payment_intents', 'payment_intent_id', 'erp_all', 'payment_id', 'invoice_links_all') }}

invoice_links as (

    select distinct on (payment_intent_id)
        payment_intent_id as key, invoice_id, invoice_payment_id, loaded_at
    from {{ ref('stg_stripe__invoice_payments') }}
    where not is_deleted and payment_intent_id is not null
    {% if is_incremental() %}
        -- a semi-join, not `= any(array(…))`: payment_intent_id is no key of the raw table, so the array would
        -- be searched once per invoice_payment row (72 s when a large load made every key a changed key)
        and payment_intent_id in (select key from changed_keys)
    {% endif %}
    order by payment_intent_id, is_default desc, created_at, invoice_payment_id

),

-- materialized, and `= any(array(…))`: the key list becomes one parameter, so the staging view is read through
-- the raw table's primary key instead of being computed for every row and then filtered
payments as materialized (

    select * from {{ ref('stg_stripe__payment_intents') }}
    {% if is_incremental() %}
    where payment_intent_id = any(array(select key from changed_keys))
    {% endif %}

),

joined as (

    select
        payments.*,
        resolved.canonical_account_id,
        erp.transaction_id as netsuite_transaction_id,
        erp.transaction_status as erp_status,
        erp.total as erp_amount,
        coalesce(invoice_links.invoice_id, invoices.invoice_id) as invoice_id,
        invoice_links.invoice_payment_id,
        case
            when invoice_links.invoice_id is not null then 'billing_invoice_payment'
            when invoices.invoice_id is not null then 'erp_memo'
        end as invoice_link_method,
        greatest(payments.loaded_at, erp_any.loaded_at, invoice_links.loaded_at) as source_loaded_at
    from payments
    left join erp_all as erp_any on erp_any.external_id = payments.payment_intent_id
    left join erp_all as erp on erp.external_id = payments.payment_intent_id and not erp.is_deleted
    left join invoice_links on invoice_links.key = payments.payment_intent_id
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
        joined.invoice_payment_id as stripe_invoice_payment_id,
        joined.netsuite_transaction_id,
        joined.latest_charge_id,

        -- strings
        joined.payment_status,
        joined.currency,
        joined.erp_status,
        joined.invoice_link_method,

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
