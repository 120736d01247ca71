with

resolved as (

    select * from {{ ref('int_accounts_resolved') }}

),

crm as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

billing as (

    select * from {{ ref('stg_stripe__customers') }}

),

members as (

    select
        canonical_account_id,
        min(salesforce_account_id) filter (where source_system = 'salesforce') as salesforce_account_id,
        min(source_record_id) filter (where source_system = 'stripe') as stripe_customer_id,
        min(netsuite_customer_id) filter (where source_system = 'netsuite') as netsuite_customer_id,
        count(*) filter (where source_system = 'stripe') as billing_customer_count,
        count(*) filter (where source_system = 'netsuite') as erp_customer_count,
        min(created_at) as first_seen_at
    from resolved
    group by canonical_account_id

),

links as (

    select distinct on (canonical_account_id, source_system)
        canonical_account_id, source_system, link_method, link_confidence
    from resolved
    order by canonical_account_id, source_system, source_record_id

),

final as (

    select
        -- ids
        members.canonical_account_id,
        members.salesforce_account_id,
        members.stripe_customer_id,
        members.netsuite_customer_id,
        parent.canonical_account_id as parent_canonical_account_id,
        crm.parent_account_id as salesforce_parent_account_id,
        crm.erp_customer_number,

        -- strings
        coalesce(crm.account_name, billing.customer_name) as account_name,
        crm.account_type,
        crm.industry,
        crm.website,
        crm.billing_country,
        coalesce(billing.currency, crm.currency) as currency,
        crm.tax_id,
        billing.legal_entity_code,
        billing_link.link_method as billing_link_method,
        erp_link.link_method as erp_link_method,

        -- numerics
        billing_link.link_confidence as billing_link_confidence,
        erp_link.link_confidence as erp_link_confidence,
        members.billing_customer_count,
        members.erp_customer_count,

        -- timestamps
        members.first_seen_at

    from members
    left join crm on crm.account_id = members.salesforce_account_id
    left join billing on billing.customer_id = members.stripe_customer_id
    left join resolved as parent
        on parent.source_system = 'salesforce' and parent.source_record_id = crm.parent_account_id
    left join links as billing_link
        on billing_link.canonical_account_id = members.canonical_account_id and billing_link.source_system = 'stripe'
    left join links as erp_link
        on erp_link.canonical_account_id = members.canonical_account_id and erp_link.source_system = 'netsuite'

)

select * from final
