-- Billing paid vs ERP applied, one row per billing invoice that is paid in billing or paid in full in the ERP,
-- with the payment intent that paid it (billing's invoice_payment link) and the ERP customer payment posted for it.
-- A billing-paid invoice must be paid in the ERP within the payment SLA (hours on the data's own clock).
with

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}
    where not is_deleted

),

invoice_payments as (

    select distinct on (invoice_id) *
    from {{ ref('stg_stripe__invoice_payments') }}
    where not is_deleted and invoice_payment_status = 'paid'
    order by invoice_id, is_default desc, paid_at, invoice_payment_id

),

erp_invoices as (

    select distinct on (external_id) *
    from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustInvc' and not is_deleted and external_id is not null
    order by external_id, transaction_id

),

erp_payments as (

    select distinct on (external_id) *
    from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustPymt' and not is_deleted and external_id is not null
    order by external_id, transaction_id

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'stripe'

),

accounts as (

    select canonical_account_id, salesforce_account_id from {{ ref('accounts') }}

),

clock as (

    select data_as_of from {{ ref('int_source_clock') }}

),

joined as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.invoice_number,
        invoices.invoice_status,
        invoices.legal_entity_code,
        invoices.currency,
        invoices.amount_paid,
        invoices.amount_remaining,
        coalesce(invoice_payments.paid_at, invoices.paid_at) as billing_paid_at,
        invoice_payments.invoice_payment_id,
        invoice_payments.payment_intent_id,
        erp.transaction_id as netsuite_invoice_id,
        erp.transaction_status as erp_invoice_status,
        erp.amount_remaining as erp_amount_remaining,
        erp_payments.transaction_id as netsuite_payment_id,
        erp_payments.total as erp_payment_amount,
        erp_payments.transaction_date as erp_payment_date,
        resolved.canonical_account_id,
        accounts.salesforce_account_id,
        clock.data_as_of
    from invoices
    cross join clock
    left join invoice_payments on invoice_payments.invoice_id = invoices.invoice_id
    left join erp_invoices as erp on erp.external_id = invoices.invoice_id
    left join erp_payments on erp_payments.external_id = invoice_payments.payment_intent_id
    left join resolved on resolved.source_record_id = invoices.customer_id
    left join accounts on accounts.canonical_account_id = resolved.canonical_account_id
    where invoices.invoice_status = 'paid' or erp.transaction_status = 'B'

),

classified as (

    select
        joined.*,
        case
            when invoice_status <> 'paid' then 'billing_open'
            when netsuite_invoice_id is null then 'erp_missing'
            when erp_invoice_status = 'B' then 'consistent'
            else 'erp_open'
        end as payment_status,
        round(extract(epoch from data_as_of - billing_paid_at) / 3600, 2) as age_hours
    from joined

),

final as (

    select
        -- ids in each system
        invoice_id as stripe_invoice_id,
        invoice_payment_id as stripe_invoice_payment_id,
        payment_intent_id as stripe_payment_intent_id,
        customer_id as stripe_customer_id,
        canonical_account_id,
        salesforce_account_id,
        netsuite_invoice_id,
        netsuite_payment_id,

        -- strings
        invoice_number,
        invoice_status as billing_status,
        erp_invoice_status,
        legal_entity_code,
        currency,
        payment_status,
        case
            when payment_status = 'erp_open' and age_hours > {{ var('payment_sla_hours') }}
                then 'payment_status_mismatch'
        end as fault_class,

        -- numerics
        amount_paid as billing_amount_paid,
        amount_remaining as billing_amount_remaining,
        erp_amount_remaining,
        erp_payment_amount,
        age_hours,
        {{ var('payment_sla_hours') }}::numeric as payment_sla_hours,

        -- booleans
        payment_status <> 'consistent' and age_hours > {{ var('payment_sla_hours') }} as is_past_payment_sla,

        -- timestamps and dates
        billing_paid_at,
        erp_payment_date,
        data_as_of

    from classified

)

select * from final
