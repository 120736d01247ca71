-- Billing paid vs ERP applied, one row per billing invoice that is paid in billing or paid in full in the ERP,
-- with the payment intent that paid it (billing's invoice_payment link, in core.payments) and the ERP customer
-- payment posted for it. A billing-paid invoice must be paid in the ERP within the payment SLA (hours on the
-- data's own clock). A table over the incremental core.invoices and core.payments, rebuilt every scheduled build.
with

invoices as (

    select * from {{ ref('invoices') }}
    where invoice_status = 'paid' or erp_status = 'B'

),

payments as (

    select distinct on (invoice_id) *
    from {{ ref('payments') }}
    where invoice_id is not null
    order by invoice_id, (invoice_link_method = 'billing_invoice_payment') desc, created_at, payment_id

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
        invoices.stripe_customer_id,
        invoices.invoice_number,
        invoices.invoice_status,
        invoices.legal_entity_code,
        invoices.currency,
        invoices.amount_paid,
        invoices.amount_remaining,
        invoices.paid_at as billing_paid_at,
        invoices.netsuite_transaction_id as netsuite_invoice_id,
        invoices.erp_status as erp_invoice_status,
        invoices.erp_amount_remaining,
        invoices.canonical_account_id,
        payments.stripe_invoice_payment_id,
        payments.payment_id as payment_intent_id,
        payments.netsuite_transaction_id as netsuite_payment_id,
        payments.erp_amount as erp_payment_amount,
        accounts.salesforce_account_id,
        clock.data_as_of
    from invoices
    cross join clock
    left join payments on payments.invoice_id = invoices.invoice_id
    left join accounts on accounts.canonical_account_id = invoices.canonical_account_id

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
        stripe_invoice_payment_id,
        payment_intent_id as stripe_payment_intent_id,
        stripe_customer_id,
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
        payment_status <> 'consistent' and coalesce(age_hours > {{ var('payment_sla_hours') }}, false)
            as is_past_payment_sla,

        -- timestamps
        billing_paid_at,
        data_as_of

    from classified

)

select * from final
