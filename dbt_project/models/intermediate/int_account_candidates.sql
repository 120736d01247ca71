-- Every live record of the three systems with its matching keys (one row per system record).
with

crm as (

    select * from {{ ref('stg_salesforce__accounts') }}
    where not is_deleted

),

billing as (

    select * from {{ ref('stg_stripe__customers') }}
    where not is_deleted

),

erp as (

    select * from {{ ref('stg_netsuite__customers') }}
    where not is_deleted

),

countries as (

    select * from {{ ref('countries') }}

),


crm_keys as (

    select
        'salesforce' as source_system,
        crm.account_id as source_record_id,
        crm.account_id as salesforce_account_id,
        cast(null as text) as stripe_customer_id,
        cast(null as bigint) as netsuite_customer_id,
        crm.concord_account_id,
        crm.account_name as record_name,
        {{ normalize_tax_id('crm.tax_id') }} as tax_key,
        {{ normalize_domain('crm.website') }} as domain_key,
        {{ normalize_name('crm.account_name') }} || '|' || coalesce(countries.country_code, crm.billing_country) as name_country_key,
        crm.created_at
    from crm
    left join countries on lower(countries.country_name) = lower(crm.billing_country)

),

billing_keys as (

    select
        'stripe' as source_system,
        billing.customer_id as source_record_id,
        billing.salesforce_account_id,
        billing.customer_id as stripe_customer_id,
        cast(null as bigint) as netsuite_customer_id,
        billing.concord_account_id,
        billing.customer_name as record_name,
        cast(null as text) as tax_key,
        {{ normalize_domain('billing.email') }} as domain_key,
        {{ normalize_name('billing.customer_name') }} || '|' || billing.country_code as name_country_key,
        billing.created_at
    from billing

),

erp_keys as (

    select
        'netsuite' as source_system,
        erp.customer_id::text as source_record_id,
        erp.salesforce_account_id,
        erp.stripe_customer_id,
        erp.customer_id as netsuite_customer_id,
        cast(null as text) as concord_account_id,
        erp.company_name as record_name,
        cast(null as text) as tax_key,
        {{ normalize_domain('erp.email') }} as domain_key,
        cast(null as text) as name_country_key,
        erp.created_at
    from erp

),

final as (

    select * from crm_keys
    union all
    select * from billing_keys
    union all
    select * from erp_keys

)

select * from final
