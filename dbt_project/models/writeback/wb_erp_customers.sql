-- Mastered accounts with a billing customer but no ERP customer: created in the ERP by external id (the billing
-- customer id), in the subsidiary of their legal entity. An unmapped legal entity makes the row invalid.
with

accounts as (

    select * from {{ ref('accounts') }}
    where stripe_customer_id is not null and netsuite_customer_id is null

),

customers as (

    select * from {{ ref('stg_stripe__customers') }}
    where not is_deleted

),

entities as (

    select * from {{ ref('legal_entities') }}
    where is_mapped_in_erp

),

currencies as (

    select * from {{ ref('stg_netsuite__currencies') }}
    where not is_deleted

),

final as (

    select
        -- writeback identity
        customers.customer_id as key,
        cast(null as text) as destination_id,
        case
            when coalesce(accounts.legal_entity_code, customers.legal_entity_code) is null
                then 'no legal entity for the customer'
            when entities.legal_entity_code is null
                then 'legal entity ' || coalesce(accounts.legal_entity_code, customers.legal_entity_code)
                    || ' has no ERP subsidiary mapping'
            when coalesce(accounts.account_name, customers.customer_name) is null then 'no company name'
            when currencies.currency_id is null
                then 'currency ' || coalesce(customers.currency, accounts.currency, '(none)') || ' is not an ERP currency'
        end as invalid_reason,

        -- attributes (customer.* in ownership.csv)
        coalesce(accounts.account_name, customers.customer_name) as companyname,
        customers.email,
        currencies.currency_id::text as currency,
        entities.netsuite_subsidiary_id::text as subsidiary,
        accounts.salesforce_account_id

    from accounts
    inner join customers on customers.customer_id = accounts.stripe_customer_id
    left join entities
        on entities.legal_entity_code = coalesce(accounts.legal_entity_code, customers.legal_entity_code)
    left join currencies on currencies.currency = coalesce(customers.currency, accounts.currency)
    where {{ writeback_unblocked('customers.customer_id', 'stripe', 'customers') }}
        and {{ writeback_unblocked('accounts.salesforce_account_id', 'salesforce', 'Account') }}

)

select * from final
