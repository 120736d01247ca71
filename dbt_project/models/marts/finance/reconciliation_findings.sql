-- Every finance reconciliation exception the marts flag, one row per finding, keyed like the sandbox ground truth
-- (`{system: {object: [key, ...]}}`) and shaped like int_identity_findings, so the score and the exceptions flow
-- read both the same way.
with

invoice_posting as (

    select * from {{ ref('invoice_posting') }}
    where fault_class is not null

),

payment_status as (

    select * from {{ ref('payment_status') }}
    where fault_class is not null

),

erp_payments_unmatched as (

    select * from {{ ref('erp_payments_unmatched') }}

),

subscriptions as (

    select * from {{ ref('subscriptions') }}
    where salesforce_opportunity_id is null

),

accounts as (

    select canonical_account_id, salesforce_account_id from {{ ref('accounts') }}

),

unioned as (

    select
        fault_class as finding_class,
        jsonb_build_object('stripe', jsonb_build_object('invoices', jsonb_build_array(stripe_invoice_id)))
            || case when netsuite_transaction_id is not null then jsonb_build_object(
                'netsuite', jsonb_build_object('transaction', jsonb_build_array(netsuite_transaction_id))
            ) else '{}'::jsonb end as keys,
        canonical_account_id,
        stripe_invoice_id as primary_key,
        case
            when posting_status = 'not_posted' then 'not posted to the ERP: ' || not_posted_reason
            else posting_status || ': billing ' || billing_total || ' ' || billing_currency
                || ', ERP ' || erp_total || ' ' || erp_currency
        end as detail,
        'finance' as steward_team
    from invoice_posting

    union all

    select
        fault_class,
        jsonb_build_object(
            'stripe', jsonb_build_object('invoices', jsonb_build_array(stripe_invoice_id)),
            'netsuite', jsonb_build_object('transaction', jsonb_build_array(netsuite_invoice_id))
        ),
        canonical_account_id,
        stripe_invoice_id,
        'paid in billing ' || age_hours || ' h ago, ERP invoice still ' || coalesce(erp_invoice_status, 'missing'),
        'finance'
    from payment_status

    union all

    select
        fault_class,
        jsonb_build_object('netsuite', jsonb_build_object('transaction', jsonb_build_array(netsuite_transaction_id))),
        canonical_account_id,
        netsuite_transaction_id::text,
        'ERP payment ' || netsuite_transaction_number || ' matches no billing payment: ' || unmatched_reason,
        'finance'
    from erp_payments_unmatched

    union all

    select
        'subscription_without_opportunity',
        jsonb_build_object('stripe', jsonb_build_object('subscriptions', jsonb_build_array(subscriptions.subscription_id)))
            || case when accounts.salesforce_account_id is not null then jsonb_build_object(
                'salesforce', jsonb_build_object('Account', jsonb_build_array(accounts.salesforce_account_id))
            ) else '{}'::jsonb end,
        subscriptions.canonical_account_id,
        subscriptions.subscription_id,
        'no closed-won opportunity carries the subscription id',
        'sales_ops'
    from subscriptions
    left join accounts on accounts.canonical_account_id = subscriptions.canonical_account_id

),

final as (

    select
        md5(finding_class || ':' || keys::text) as finding_id,
        finding_class,
        keys,
        canonical_account_id,
        primary_key,
        detail,
        steward_team
    from unioned

)

select * from final
