-- Accounts receivable per canonical account, legal entity and invoice currency, from the ERP's open invoices (the
-- ERP owns posting and AR), in invoice currency and in the reporting currency at the FX rate of the data's date. Rebuilt by
-- every scheduled build, as current as the ERP data loaded.
with

open_invoices as (

    select * from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustInvc' and not is_deleted and not is_voided
        and transaction_status = 'A' and amount_remaining <> 0

),

erp_currencies as (

    select * from {{ ref('stg_netsuite__currencies') }}

),

entities as (

    select * from {{ ref('legal_entities') }}

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'netsuite'

),

clock as (

    select data_as_of from {{ ref('int_source_clock') }}

),

fx as (

    -- the latest rate on or before the data's date, per currency
    {{ fx_rates_as_of('clock') }}

),

grouped as (

    select
        resolved.canonical_account_id,
        resolved.salesforce_account_id,
        resolved.stripe_customer_id,
        open_invoices.customer_id as netsuite_customer_id,
        entities.legal_entity_code,
        open_invoices.subsidiary_id as netsuite_subsidiary_id,
        erp_currencies.currency,
        count(*) as open_invoice_count,
        sum(open_invoices.amount_remaining) as ar_balance,
        min(open_invoices.due_date) as oldest_due_date
    from open_invoices
    left join erp_currencies on erp_currencies.currency_id = open_invoices.currency_id
    left join entities on entities.netsuite_subsidiary_id = open_invoices.subsidiary_id
    left join resolved on resolved.netsuite_customer_id = open_invoices.customer_id
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        -- ids in each system
        grouped.canonical_account_id,
        grouped.salesforce_account_id,
        grouped.stripe_customer_id,
        grouped.netsuite_customer_id,
        grouped.netsuite_subsidiary_id,

        -- strings
        grouped.legal_entity_code,
        grouped.currency,
        fx.reporting_currency,

        -- numerics
        grouped.open_invoice_count,
        grouped.ar_balance,
        round(grouped.ar_balance * fx.rate_to_reporting, 2) as ar_balance_reporting,
        sum(round(grouped.ar_balance * fx.rate_to_reporting, 2))
            over (partition by grouped.canonical_account_id) as account_ar_balance_reporting,
        fx.rate_to_reporting as fx_rate,

        -- dates
        grouped.oldest_due_date,
        fx.rate_date as fx_rate_date,
        clock.data_as_of

    from grouped
    cross join clock
    left join fx on fx.currency = grouped.currency

)

select * from final
