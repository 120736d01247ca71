-- ERP customer payments that match no billing payment: no external id, or one that names no billing payment
-- intent (an unidentified wire, a payment keyed by hand).
with

erp_payments as (

    select * from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustPymt' and not is_deleted

),

billing_payments as (

    select payment_intent_id from {{ ref('stg_stripe__payment_intents') }}
    where not is_deleted

),

erp_currencies as (

    select * from {{ ref('stg_netsuite__currencies') }}

),

erp_customers as (

    select * from {{ ref('stg_netsuite__customers') }}

),

entities as (

    select * from {{ ref('legal_entities') }}

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'netsuite'

),

accounts as (

    select canonical_account_id, salesforce_account_id from {{ ref('accounts') }}

),

clock as (

    select data_as_of from {{ ref('int_source_clock') }}

),

final as (

    select
        -- ids in each system
        erp_payments.transaction_id as netsuite_transaction_id,
        erp_payments.external_id as netsuite_external_id,
        erp_payments.transaction_number as netsuite_transaction_number,
        erp_payments.customer_id as netsuite_customer_id,
        erp_payments.subsidiary_id as netsuite_subsidiary_id,
        erp_customers.stripe_customer_id,
        resolved.canonical_account_id,
        accounts.salesforce_account_id,

        -- strings
        entities.legal_entity_code,
        erp_currencies.currency,
        erp_payments.memo,
        case when erp_payments.external_id is null then 'no_external_id' else 'unknown_payment_intent' end
            as unmatched_reason,
        'erp_payment_unmatched' as fault_class,

        -- numerics
        erp_payments.total as amount,
        round(extract(epoch from clock.data_as_of - erp_payments.created_at::timestamptz) / 3600, 2) as age_hours,

        -- dates and timestamps
        erp_payments.transaction_date,
        erp_payments.created_at,
        clock.data_as_of

    from erp_payments
    cross join clock
    left join billing_payments on billing_payments.payment_intent_id = erp_payments.external_id
    left join erp_currencies on erp_currencies.currency_id = erp_payments.currency_id
    left join erp_customers on erp_customers.customer_id = erp_payments.customer_id
    left join entities on entities.netsuite_subsidiary_id = erp_payments.subsidiary_id
    left join resolved on resolved.netsuite_customer_id = erp_payments.customer_id
    left join accounts on accounts.canonical_account_id = resolved.canonical_account_id
    where billing_payments.payment_intent_id is null

)

select * from final
