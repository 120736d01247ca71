-- One row per live CRM account, billing customer and ERP customer, with the canonical account it belongs to,
-- the CRM account it resolved to and how (method, confidence). CRM duplicates are not merged: they are
-- findings (int_identity_findings) for a steward, never a silent guess.
with

candidates as (

    select * from {{ ref('int_account_candidates') }}

),

links as (

    select * from {{ ref('int_account_links') }}
    where not is_ambiguous

),

best_link as (

    select distinct on (source_system, source_record_id)
        source_system, source_record_id, target_system, target_record_id, link_method, link_confidence
    from links
    order by source_system, source_record_id, rule_rank, target_record_id

),

billing_resolved as (

    select
        candidates.source_record_id,
        best_link.target_record_id as salesforce_account_id,
        best_link.link_method,
        best_link.link_confidence
    from candidates
    left join best_link
        on best_link.source_system = candidates.source_system
        and best_link.source_record_id = candidates.source_record_id
    where candidates.source_system = 'stripe'

),

erp_resolved as (

    select
        candidates.source_record_id,
        case
            when best_link.target_system = 'stripe' then best_link.target_record_id
            else candidates.stripe_customer_id
        end as stripe_customer_id,
        case
            when best_link.target_system = 'stripe' then billing_resolved.salesforce_account_id
            else best_link.target_record_id
        end as salesforce_account_id,
        best_link.link_method,
        best_link.link_confidence
    from candidates
    left join best_link
        on best_link.source_system = candidates.source_system
        and best_link.source_record_id = candidates.source_record_id
    left join billing_resolved
        on best_link.target_system = 'stripe'
        and billing_resolved.source_record_id = best_link.target_record_id
    where candidates.source_system = 'netsuite'

),

members as (

    select
        candidates.source_system,
        candidates.source_record_id,
        candidates.record_name,
        candidates.created_at,
        candidates.concord_account_id as stamped_concord_account_id,
        case candidates.source_system
            when 'salesforce' then candidates.source_record_id
            when 'stripe' then billing_resolved.salesforce_account_id
            else erp_resolved.salesforce_account_id
        end as salesforce_account_id,
        case candidates.source_system
            when 'stripe' then candidates.source_record_id
            when 'netsuite' then erp_resolved.stripe_customer_id
        end as stripe_customer_id,
        case when candidates.source_system = 'netsuite' then candidates.netsuite_customer_id end
            as netsuite_customer_id,
        case candidates.source_system
            when 'salesforce' then 'anchor'
            when 'stripe' then billing_resolved.link_method
            else erp_resolved.link_method
        end as link_method,
        case candidates.source_system
            when 'salesforce' then 1.00
            when 'stripe' then billing_resolved.link_confidence
            else erp_resolved.link_confidence
        end as link_confidence
    from candidates
    left join billing_resolved
        on candidates.source_system = 'stripe' and billing_resolved.source_record_id = candidates.source_record_id
    left join erp_resolved
        on candidates.source_system = 'netsuite' and erp_resolved.source_record_id = candidates.source_record_id

),

clustered as (

    select
        *,
        case
            when salesforce_account_id is not null then 'salesforce:' || salesforce_account_id
            when stripe_customer_id is not null and (source_system = 'stripe' or exists (
                select 1 from candidates as c
                where c.source_system = 'stripe' and c.source_record_id = members.stripe_customer_id
            )) then 'stripe:' || stripe_customer_id
            else source_system || ':' || source_record_id
        end as cluster_key
    from members

),

anchors as (

    -- The canonical id: the id Concord already stamped on the CRM account, else a hash of the cluster's anchor
    -- key (the CRM account; a billing customer, then an ERP customer, only when no CRM account links). It
    -- depends on neither row order nor links added later to ERP or billing records.
    select
        cluster_key,
        coalesce(
            max(stamped_concord_account_id) filter (where source_system = 'salesforce'),
            'ca_' || left(md5(cluster_key), 24)
        ) as canonical_account_id
    from clustered
    group by cluster_key

),

final as (

    select
        anchors.canonical_account_id,
        clustered.source_system,
        clustered.source_record_id,
        clustered.salesforce_account_id,
        clustered.stripe_customer_id,
        clustered.netsuite_customer_id,
        clustered.record_name,
        coalesce(clustered.link_method, 'unlinked') as link_method,
        coalesce(clustered.link_confidence, 0)::numeric(3, 2) as link_confidence,
        clustered.created_at
    from clustered
    inner join anchors on anchors.cluster_key = clustered.cluster_key

)

select * from final
