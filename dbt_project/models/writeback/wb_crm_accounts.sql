-- Desired state of each CRM Account Concord stamps: its canonical id, ERP customer number, billing status, AR
-- balance and last payment date (fields the CRM does not own). Updated by Salesforce Id; blocked keys excluded.
with

accounts as (

    select * from {{ ref('accounts') }}
    where salesforce_account_id is not null

),

subscriptions as (

    select * from {{ ref('subscriptions') }}

),

invoices as (

    select * from {{ ref('invoices') }}
    where is_posted_to_erp

),

payments as (

    select * from {{ ref('payments') }}
    where payment_status = 'succeeded'

),

billing as (

    select
        canonical_account_id,
        case
            when bool_or(subscription_status in ('active', 'trialing')) then 'Active'
            when bool_or(subscription_status in ('past_due', 'unpaid')) then 'Past Due'
            when bool_or(subscription_status in ('canceled', 'incomplete_expired')) then 'Canceled'
        end as billing_status
    from subscriptions
    group by 1

),

receivables as (

    select
        canonical_account_id,
        round(sum(coalesce(erp_amount_remaining, 0)), 2) as ar_balance
    from invoices
    group by 1

),

last_payments as (

    select
        canonical_account_id,
        max(created_at)::date as last_payment_date
    from payments
    group by 1

),

erp_customers as (

    -- the ERP owns its customer numbers: take them from the ERP, not from the CRM's copy
    select customer_id, entity_number from {{ ref('stg_netsuite__customers') }}
    where not is_deleted

),

final as (

    select
        -- writeback identity
        accounts.salesforce_account_id as key,
        accounts.salesforce_account_id as destination_id,
        cast(null as text) as invalid_reason,

        -- attributes (account.*, customer.erp_customer_number in ownership.csv)
        accounts.canonical_account_id as concord_account_id,
        erp_customers.entity_number as erp_customer_number,
        billing.billing_status,
        receivables.ar_balance,
        last_payments.last_payment_date

    from accounts
    left join erp_customers on erp_customers.customer_id = accounts.netsuite_customer_id
    left join billing on billing.canonical_account_id = accounts.canonical_account_id
    left join receivables on receivables.canonical_account_id = accounts.canonical_account_id
    left join last_payments on last_payments.canonical_account_id = accounts.canonical_account_id
    where {{ writeback_unblocked('accounts.salesforce_account_id', 'salesforce', 'Account') }}
        and {{ writeback_unblocked('accounts.stripe_customer_id', 'stripe', 'customers') }}

)

select * from final
