-- One row per billing subscription with its keys in every system and the closed-won CRM opportunity that
-- produced it (null when none carries its id), for the quality suites.
with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}
    where not is_deleted

),

billing as (

    select * from {{ ref('stg_stripe__customers') }}

),

won as (

    select distinct on (stripe_subscription_id)
        stripe_subscription_id, opportunity_id, account_id
    from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted and is_won and stripe_subscription_id is not null
    order by stripe_subscription_id, close_date, opportunity_id

),

final as (

    select
        -- ids
        subscriptions.subscription_id as stripe_subscription_id,
        subscriptions.customer_id as stripe_customer_id,
        coalesce(won.account_id, billing.salesforce_account_id) as salesforce_account_id,
        won.opportunity_id as salesforce_opportunity_id,

        -- strings
        subscriptions.subscription_status,

        -- timestamps
        subscriptions.created_at

    from subscriptions
    left join billing on billing.customer_id = subscriptions.customer_id
    left join won on won.stripe_subscription_id = subscriptions.subscription_id

)

select * from final
