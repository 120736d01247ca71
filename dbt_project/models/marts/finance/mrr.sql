-- Monthly recurring revenue per canonical account and legal entity from billing's active subscriptions (annual
-- prices count a twelfth), in subscription currency and in the reporting currency at the FX rate of the data's date.
with

subscriptions as (

    select * from {{ ref('subscriptions') }}
    where subscription_status in ('active', 'past_due')

),

customers as (

    select customer_id, legal_entity_code from {{ ref('stg_stripe__customers') }}

),

entities as (

    select * from {{ ref('legal_entities') }}

),

accounts as (

    select canonical_account_id, salesforce_account_id, netsuite_customer_id from {{ ref('accounts') }}

),

clock as (

    select data_as_of from {{ ref('int_source_clock') }}

),

fx as (

    {{ fx_rates_as_of('clock') }}

),

grouped as (

    select
        subscriptions.canonical_account_id,
        subscriptions.stripe_customer_id,
        customers.legal_entity_code,
        subscriptions.currency,
        count(*) as active_subscription_count,
        count(*) filter (where subscriptions.salesforce_opportunity_id is null) as subscriptions_without_opportunity,
        sum(subscriptions.monthly_recurring_amount) as mrr
    from subscriptions
    left join customers on customers.customer_id = subscriptions.stripe_customer_id
    group by 1, 2, 3, 4

),

final as (

    select
        -- ids in each system
        grouped.canonical_account_id,
        accounts.salesforce_account_id,
        grouped.stripe_customer_id,
        accounts.netsuite_customer_id,
        entities.netsuite_subsidiary_id::bigint as netsuite_subsidiary_id,

        -- strings
        grouped.legal_entity_code,
        grouped.currency,
        fx.reporting_currency,

        -- numerics
        grouped.active_subscription_count,
        grouped.subscriptions_without_opportunity,
        grouped.mrr,
        round(grouped.mrr * fx.rate_to_reporting, 2) as mrr_reporting,
        fx.rate_to_reporting as fx_rate,

        -- dates
        fx.rate_date as fx_rate_date,
        clock.data_as_of

    from grouped
    cross join clock
    left join fx on fx.currency = grouped.currency
    left join entities on entities.legal_entity_code = grouped.legal_entity_code
    left join accounts on accounts.canonical_account_id = grouped.canonical_account_id

)

select * from final
