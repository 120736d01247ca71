-- Candidate links from a billing or ERP record to a CRM account (or an ERP record to a billing customer), one
-- row per rule that fires, ranked: explicit cross-references first, then deterministic rules. A rule that finds
-- more than one target is ambiguous and links nothing (it surfaces as a finding instead).
with

candidates as (

    select * from {{ ref('int_account_candidates') }}

),

crm as (

    select * from candidates where source_system = 'salesforce'

),

billing as (

    select * from candidates where source_system = 'stripe'

),

erp as (

    select * from candidates where source_system = 'netsuite'

),

crm_by_domain as (

    select domain_key, min(source_record_id) as account_id, count(*) as n
    from crm where domain_key is not null
    group by domain_key

),

crm_by_name_country as (

    select name_country_key, min(source_record_id) as account_id, count(*) as n
    from crm where name_country_key is not null
    group by name_country_key

),

crm_by_concord_id as (

    select concord_account_id, min(source_record_id) as account_id, count(*) as n
    from crm where concord_account_id is not null
    group by concord_account_id

),

billing_explicit as (

    select billing.source_system, billing.source_record_id, 'salesforce' as target_system,
        crm.source_record_id as target_record_id, 1 as rule_rank, 'billing_metadata_crm_id' as link_method,
        1.00 as link_confidence, 1 as n_targets
    from billing
    inner join crm on crm.source_record_id = billing.salesforce_account_id

),

billing_concord as (

    select billing.source_system, billing.source_record_id, 'salesforce', by_id.account_id,
        2, 'concord_account_id', 1.00, by_id.n
    from billing
    inner join crm_by_concord_id as by_id on by_id.concord_account_id = billing.concord_account_id

),

billing_via_erp as (

    select billing.source_system, billing.source_record_id, 'salesforce', crm.source_record_id,
        3, 'erp_crm_reference', 0.95, 1
    from billing
    inner join erp on erp.stripe_customer_id = billing.source_record_id
    inner join crm on crm.source_record_id = erp.salesforce_account_id

),

billing_domain as (

    select billing.source_system, billing.source_record_id, 'salesforce', by_domain.account_id,
        4, 'website_domain', 0.80, by_domain.n
    from billing
    inner join crm_by_domain as by_domain on by_domain.domain_key = billing.domain_key

),

billing_name as (

    select billing.source_system, billing.source_record_id, 'salesforce', by_name.account_id,
        5, 'name_country', 0.70, by_name.n
    from billing
    inner join crm_by_name_country as by_name on by_name.name_country_key = billing.name_country_key

),

erp_explicit as (

    select erp.source_system, erp.source_record_id, 'stripe', billing.source_record_id,
        1, 'erp_externalid_billing_id', 1.00, 1
    from erp
    inner join billing on billing.source_record_id = erp.stripe_customer_id

),

erp_crm as (

    select erp.source_system, erp.source_record_id, 'salesforce', crm.source_record_id,
        2, 'erp_crm_reference', 0.95, 1
    from erp
    inner join crm on crm.source_record_id = erp.salesforce_account_id

),

erp_domain as (

    select erp.source_system, erp.source_record_id, 'salesforce', by_domain.account_id,
        4, 'website_domain', 0.80, by_domain.n
    from erp
    inner join crm_by_domain as by_domain on by_domain.domain_key = erp.domain_key

),

final as (

    select * from billing_explicit
    union all select * from billing_concord
    union all select * from billing_via_erp
    union all select * from billing_domain
    union all select * from billing_name
    union all select * from erp_explicit
    union all select * from erp_crm
    union all select * from erp_domain

)

select
    source_system,
    source_record_id,
    target_system,
    target_record_id,
    rule_rank,
    link_method,
    link_confidence::numeric(3, 2) as link_confidence,
    n_targets > 1 as is_ambiguous
from final
