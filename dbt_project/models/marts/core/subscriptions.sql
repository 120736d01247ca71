with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}
    where not is_deleted

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'stripe'

),

opportunities as (

    select distinct on (stripe_subscription_id)
        stripe_subscription_id, opportunity_id
    from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted and is_won and stripe_subscription_id is not null
    order by stripe_subscription_id, close_date, opportunity_id

),

exponents as (

    select * from {{ ref('currency_exponents') }}

),

items as (

    select
        subscriptions.subscription_id,
        count(*) as item_count,
        sum((item ->> 'quantity')::numeric) as total_quantity,
        sum(
            (item ->> 'quantity')::numeric * (item -> 'price' ->> 'unit_amount')::numeric
            / case when item -> 'price' -> 'recurring' ->> 'interval' = 'year' then 12 else 1 end
        ) as monthly_amount_minor,
        min(to_timestamp((item ->> 'current_period_start')::bigint)) as current_period_start_at,
        max(to_timestamp((item ->> 'current_period_end')::bigint)) as current_period_end_at
    from subscriptions
    cross join lateral jsonb_array_elements(coalesce(subscriptions.items, '[]'::jsonb)) as item
    group by subscriptions.subscription_id

),

final as (

    select
        -- ids
        subscriptions.subscription_id,
        resolved.canonical_account_id,
        subscriptions.customer_id as stripe_customer_id,
        opportunities.opportunity_id as salesforce_opportunity_id,
        subscriptions.latest_invoice_id,

        -- strings
        subscriptions.subscription_status,
        subscriptions.collection_method,
        subscriptions.currency,

        -- numerics
        coalesce(items.item_count, 0) as item_count,
        items.total_quantity,
        {{ minor_to_major('items.monthly_amount_minor', 'exponents.exponent') }} as monthly_recurring_amount,

        -- booleans
        subscriptions.is_cancel_at_period_end,

        -- timestamps
        subscriptions.created_at,
        subscriptions.started_at,
        subscriptions.canceled_at,
        subscriptions.ended_at,
        items.current_period_start_at,
        items.current_period_end_at

    from subscriptions
    left join resolved on resolved.source_record_id = subscriptions.customer_id
    left join opportunities on opportunities.stripe_subscription_id = subscriptions.subscription_id
    left join items on items.subscription_id = subscriptions.subscription_id
    left join exponents on exponents.currency = subscriptions.currency

)

select * from final
