-- One row per finalized billing invoice and its ERP posting: posted, not posted (with the reason the integration
-- cannot post it, or none while it is still in flight), or posted with another amount or currency. Ages are hours
-- since finalization on the data's own clock (int_source_clock), not the wall clock. A table over the incremental
-- core.invoices (which carries the ERP posting), rebuilt by every scheduled build.
with

invoices as (

    select * from {{ ref('invoices') }}
    where invoice_status in ('open', 'paid', 'uncollectible')

),

erp_customers as (

    select stripe_customer_id, min(customer_id) as customer_id
    from {{ ref('stg_netsuite__customers') }}
    where not is_deleted and stripe_customer_id is not null
    group by stripe_customer_id

),

tax_rates as (

    select * from {{ ref('stg_stripe__tax_rates') }}

),

entities as (

    select * from {{ ref('legal_entities') }}
    where is_mapped_in_erp

),

tax_mappings as (

    select stripe_tax_rate_code, legal_entity_code, min(netsuite_tax_code) as netsuite_tax_code
    from {{ ref('tax_codes') }}
    where is_mapped_in_erp
    group by stripe_tax_rate_code, legal_entity_code

),

exponents as (

    select * from {{ ref('currency_exponents') }}

),

accounts as (

    select canonical_account_id, salesforce_account_id from {{ ref('accounts') }}

),

clock as (

    select data_as_of from {{ ref('int_source_clock') }}

),

joined as (

    select
        invoices.*,
        tax_rates.tax_rate_code,
        tax_mappings.netsuite_tax_code,
        entities.netsuite_subsidiary_id,
        entities.legal_entity_code is not null as is_entity_mapped,
        tax_mappings.stripe_tax_rate_code is not null as is_tax_mapped,
        erp_customers.customer_id as netsuite_customer_id,
        round(invoices.erp_total * power(10::numeric, erp_exponents.exponent))::bigint as erp_total_minor,
        accounts.salesforce_account_id,
        clock.data_as_of
    from invoices
    cross join clock
    left join tax_rates on tax_rates.tax_rate_id = invoices.stripe_tax_rate_id
    left join entities on entities.legal_entity_code = invoices.legal_entity_code
    left join tax_mappings
        on tax_mappings.stripe_tax_rate_code = tax_rates.tax_rate_code
        and tax_mappings.legal_entity_code = invoices.legal_entity_code
    left join erp_customers on erp_customers.stripe_customer_id = invoices.stripe_customer_id
    left join exponents as erp_exponents on erp_exponents.currency = invoices.erp_currency
    left join accounts on accounts.canonical_account_id = invoices.canonical_account_id

),

classified as (

    select
        joined.*,
        case
            when netsuite_transaction_id is null then 'not_posted'
            when erp_currency is distinct from currency then 'currency_mismatch'
            when erp_total_minor is distinct from total_minor then 'amount_mismatch'
            else 'posted'
        end as posting_status,
        -- why the integration cannot post it; null when posted or still in flight
        case
            when netsuite_transaction_id is not null then null
            when not is_entity_mapped then 'missing_entity_mapping'
            when not is_tax_mapped then 'missing_tax_mapping'
            when netsuite_customer_id is null then 'missing_erp_customer'
        end as not_posted_reason,
        round(extract(epoch from data_as_of - finalized_at) / 3600, 2) as age_hours
    from joined

),

final as (

    select
        -- ids in each system
        invoice_id as stripe_invoice_id,
        stripe_customer_id,
        subscription_id as stripe_subscription_id,
        stripe_tax_rate_id,
        canonical_account_id,
        salesforce_account_id,
        netsuite_customer_id,
        netsuite_transaction_id,
        netsuite_subsidiary_id::bigint as netsuite_subsidiary_id,

        -- strings
        invoice_number,
        invoice_status as billing_status,
        legal_entity_code,
        tax_rate_code,
        netsuite_tax_code,
        currency as billing_currency,
        erp_currency,
        erp_status,
        posting_status,
        not_posted_reason,
        case
            when not_posted_reason = 'missing_tax_mapping' then 'invoice_unposted_missing_tax_mapping'
            when not_posted_reason = 'missing_entity_mapping' then 'invoice_unposted_missing_entity_mapping'
            when posting_status = 'amount_mismatch' then 'invoice_amount_mismatch'
            when posting_status = 'currency_mismatch' then 'invoice_currency_mismatch'
        end as fault_class,

        -- numerics
        total as billing_total,
        total_minor as billing_total_minor,
        erp_total,
        erp_total_minor,
        age_hours,
        {{ var('posting_sla_hours') }}::numeric as posting_sla_hours,

        -- booleans
        posting_status = 'posted' as is_posted_consistently,
        posting_status <> 'posted' and age_hours > {{ var('posting_sla_hours') }} as is_past_posting_sla,

        -- timestamps
        finalized_at,
        data_as_of

    from classified

)

select * from final
