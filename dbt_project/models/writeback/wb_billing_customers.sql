-- Desired cross-references on each live billing customer: `metadata.salesforce_account_id` (the CRM link the
-- billing system already carries) and `metadata.erp_customer_id` (the ERP customer number). Blocked keys excluded.
-- Concord never clears a CRM reference it cannot replace.
with

accounts as (

    select * from {{ ref('accounts') }}
    where stripe_customer_id is not null

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}
    where not is_deleted

),

erp_customers as (

    -- the ERP owns its customer numbers: take them from the ERP, not from the CRM's copy
    select customer_id, entity_number from {{ ref('stg_netsuite__customers') }}
    where not is_deleted

),

final as (

    select
        -- writeback identity
        customers.customer_id as key,
        customers.customer_id as destination_id,
        cast(null as text) as invalid_reason,

        -- attributes (customer.* in ownership.csv)
        -- the resolved CRM account; where none resolved, the reference the customer carries stays as it is: it
        -- names no live Account (else it would have resolved), and blanking it would silently turn a dangling
        -- reference, open as deleted_account_referenced for a steward, into an unlinked customer
        coalesce(accounts.salesforce_account_id, customers.salesforce_account_id) as salesforce_account_id,
        erp_customers.entity_number as erp_customer_id

    from customers
    inner join accounts on accounts.stripe_customer_id = customers.customer_id
    left join erp_customers on erp_customers.customer_id = accounts.netsuite_customer_id
    where {{ writeback_unblocked('customers.customer_id', 'stripe', 'customers') }}
        and {{ writeback_unblocked('accounts.salesforce_account_id', 'salesforce', 'Account') }}

)

select * from final
