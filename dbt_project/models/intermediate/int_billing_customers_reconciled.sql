-- One row per live billing customer with its keys in every system and how each cross-reference holds, for the
-- quality suites (expectations/suites/reconciliation.json): the CRM account billing references (live, deleted
-- or missing), the CRM account identity resolution found, and the ERP customer carrying its id.
with

billing as (

    select * from {{ ref('stg_stripe__customers') }}
    where not is_deleted

),

crm as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

erp as (

    select distinct on (stripe_customer_id) *
    from {{ ref('stg_netsuite__customers') }}
    where not is_deleted and stripe_customer_id is not null
    order by stripe_customer_id, customer_id

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'stripe'

),

final as (

    select
        -- ids
        billing.customer_id as stripe_customer_id,
        billing.salesforce_account_id as referenced_salesforce_account_id,
        coalesce(billing.salesforce_account_id, resolved.salesforce_account_id) as salesforce_account_id,
        erp.customer_id as netsuite_customer_id,
        resolved.canonical_account_id,

        -- strings
        case
            when billing.salesforce_account_id is null then 'missing'
            when crm.account_id is null then 'not_found'
            when crm.is_deleted then 'deleted'
            else 'live'
        end as crm_reference_state,
        resolved.link_method,

        -- booleans
        erp.customer_id is not null as has_erp_customer,

        -- timestamps
        billing.created_at

    from billing
    left join crm on crm.account_id = billing.salesforce_account_id
    left join erp on erp.stripe_customer_id = billing.customer_id
    left join resolved on resolved.source_record_id = billing.customer_id

)

select * from final
