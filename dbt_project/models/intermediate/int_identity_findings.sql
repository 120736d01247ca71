-- Identity exceptions for the steward flow, one row per finding, keyed like the sandbox ground truth
-- (`keys` = {system: {object: [key, ...]}}). Classes: duplicate_crm_account, billing_customer_unlinked,
-- deleted_account_referenced, erp_customer_missing (fault classes), and identity_conflict, erp_customer_orphan,
-- ambiguous_match (resolution problems without a planted class).
with

crm_all as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

billing as (

    select * from {{ ref('stg_stripe__customers') }}
    where not is_deleted

),

erp as (

    select * from {{ ref('stg_netsuite__customers') }}
    where not is_deleted

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}

),

links as (

    select * from {{ ref('int_account_links') }}

),

crm_live as (

    select * from crm_all where not is_deleted

),

duplicate_crm_account as (

    select
        'duplicate_crm_account' as finding_class,
        jsonb_build_object('salesforce', jsonb_build_object('Account', jsonb_agg(account_id order by account_id)))
            as keys,
        min(account_id) as salesforce_account_id,
        cast(null as text) as stripe_customer_id,
        cast(null as bigint) as netsuite_customer_id,
        'live CRM accounts share tax id ' || {{ normalize_tax_id('min(tax_id)') }} as detail
    from crm_live
    where {{ normalize_tax_id('tax_id') }} is not null
    group by {{ normalize_tax_id('tax_id') }}
    having count(*) > 1

),

billing_customer_unlinked as (

    select
        'billing_customer_unlinked' as finding_class,
        jsonb_build_object('stripe', jsonb_build_object('customers', jsonb_build_array(billing.customer_id)))
            || case when resolved.salesforce_account_id is not null then jsonb_build_object(
                'salesforce', jsonb_build_object('Account', jsonb_build_array(resolved.salesforce_account_id))
            ) else '{}'::jsonb end as keys,
        resolved.salesforce_account_id,
        billing.customer_id,
        cast(null as bigint),
        'billing customer has no CRM account id; suggested by ' || resolved.link_method
            || ' (confidence ' || resolved.link_confidence || ')'
    from billing
    inner join resolved on resolved.source_system = 'stripe' and resolved.source_record_id = billing.customer_id
    where billing.salesforce_account_id is null

),

deleted_account_referenced as (

    select
        'deleted_account_referenced' as finding_class,
        jsonb_build_object(
            'stripe', jsonb_build_object('customers', jsonb_build_array(billing.customer_id)),
            'salesforce', jsonb_build_object('Account', jsonb_build_array(billing.salesforce_account_id))
        ),
        billing.salesforce_account_id,
        billing.customer_id,
        cast(null as bigint),
        case when crm_all.account_id is null then 'billing customer references a CRM account that does not exist'
            else 'billing customer references a deleted CRM account' end
    from billing
    left join crm_all on crm_all.account_id = billing.salesforce_account_id
    where billing.salesforce_account_id is not null
        and not exists (select 1 from crm_live where crm_live.account_id = billing.salesforce_account_id)

),

erp_customer_missing as (

    select
        'erp_customer_missing' as finding_class,
        jsonb_build_object('stripe', jsonb_build_object('customers', jsonb_build_array(billing.customer_id)))
            || case when billing.salesforce_account_id is not null then jsonb_build_object(
                'salesforce', jsonb_build_object('Account', jsonb_build_array(billing.salesforce_account_id))
            ) else '{}'::jsonb end,
        billing.salesforce_account_id,
        billing.customer_id,
        cast(null as bigint),
        'no ERP customer has the billing customer id as its external id'
    from billing
    where not exists (select 1 from erp where erp.stripe_customer_id = billing.customer_id)

),

identity_conflict as (

    -- The ERP names a different CRM account than billing does for the same customer.
    select
        'identity_conflict' as finding_class,
        jsonb_build_object(
            'stripe', jsonb_build_object('customers', jsonb_build_array(billing.customer_id)),
            'netsuite', jsonb_build_object('customer', jsonb_build_array(erp.customer_id)),
            'salesforce', jsonb_build_object('Account', jsonb_build_array(billing.salesforce_account_id, erp.salesforce_account_id))
        ),
        billing.salesforce_account_id,
        billing.customer_id,
        erp.customer_id,
        'billing and ERP reference different CRM accounts'
    from billing
    inner join erp on erp.stripe_customer_id = billing.customer_id
    where billing.salesforce_account_id is not null
        and erp.salesforce_account_id is not null
        and erp.salesforce_account_id <> billing.salesforce_account_id

),

erp_customer_orphan as (

    select
        'erp_customer_orphan' as finding_class,
        jsonb_build_object('netsuite', jsonb_build_object('customer', jsonb_build_array(resolved.netsuite_customer_id))),
        resolved.salesforce_account_id,
        resolved.stripe_customer_id,
        resolved.netsuite_customer_id,
        'ERP customer whose external id names no live billing customer'
    from resolved
    where resolved.source_system = 'netsuite'
        and not exists (
            select 1 from billing where billing.customer_id = resolved.stripe_customer_id
        )

),

ambiguous_match as (

    -- One finding per record: its highest-ranked ambiguous rule.
    select distinct on (links.source_system, links.source_record_id)
        'ambiguous_match' as finding_class,
        jsonb_build_object(links.source_system, jsonb_build_object(
            case links.source_system when 'stripe' then 'customers' else 'customer' end,
            jsonb_build_array(links.source_record_id)
        )),
        cast(null as text),
        case when links.source_system = 'stripe' then links.source_record_id end,
        case when links.source_system = 'netsuite' then links.source_record_id::bigint end,
        'rule ' || links.link_method || ' matches more than one CRM account'
    from links
    inner join resolved
        on resolved.source_system = links.source_system and resolved.source_record_id = links.source_record_id
    where links.is_ambiguous and resolved.link_method = 'unlinked'
    order by links.source_system, links.source_record_id, links.rule_rank

),

unioned as (

    select * from duplicate_crm_account
    union all select * from billing_customer_unlinked
    union all select * from deleted_account_referenced
    union all select * from erp_customer_missing
    union all select * from identity_conflict
    union all select * from erp_customer_orphan
    union all select * from ambiguous_match

),

final as (

    select
        md5(finding_class || ':' || keys::text) as finding_id,
        finding_class,
        keys,
        salesforce_account_id,
        stripe_customer_id,
        netsuite_customer_id,
        detail,
        -- who resolves it: the team that owns the record that has to change (see the ownership seed)
        case finding_class
            when 'duplicate_crm_account' then 'sales_ops'
            when 'deleted_account_referenced' then 'sales_ops'
            when 'erp_customer_missing' then 'finance'
            else 'data_platform'
        end as steward_team
    from unioned

)

select * from final
