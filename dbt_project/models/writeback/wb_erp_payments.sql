-- Succeeded billing payments not yet recorded in the ERP: created by external id (the payment intent id) and
-- applied to their invoice, which is either posted already or posted by `wb_erp_invoices` in the same run (the
-- engine writes invoices before payments). A payment whose invoice cannot be posted is invalid. Blocked keys excluded.
with

unposted as (

    select * from {{ ref('payments') }}
    where payment_status = 'succeeded'
        and not is_posted_to_erp
        and not is_deleted

),

links as (

    select distinct on (payment ->> 'payment_intent')
        payment ->> 'payment_intent' as payment_id,
        invoice as invoice_id
    from {{ source('stripe', 'invoice_payments') }}
    where status = 'paid' and not coalesce(_concord_deleted, false)
    order by payment ->> 'payment_intent', created desc

),

invoices as (

    select * from {{ ref('invoices') }}

),

erp_invoices as (

    select * from {{ ref('stg_netsuite__transactions') }}
    where transaction_type = 'CustInvc' and not is_deleted

),

to_post as (

    select key, invalid_reason, entity from {{ ref('wb_erp_invoices') }}

),

final as (

    select
        -- writeback identity
        unposted.payment_id as key,
        cast(null as text) as destination_id,
        case
            when links.invoice_id is null then 'the payment settles no billing invoice'
            when erp_invoices.transaction_id is null and to_post.key is null
                then 'invoice ' || links.invoice_id || ' is not in the ERP and not to be posted'
            when erp_invoices.transaction_id is null and to_post.invalid_reason is not null
                then 'invoice ' || links.invoice_id || ' cannot be posted: ' || to_post.invalid_reason
        end as invalid_reason,

        -- references and document header (set on create only)
        case
            when erp_invoices.transaction_id is not null
                then jsonb_build_object('id', erp_invoices.customer_id::text)
            else to_post.entity
        end as customer,
        unposted.created_at::date::text as tran_date,
        invoices.invoice_number as memo,

        -- attributes (payment.* in ownership.csv)
        unposted.amount_received as amount,
        case
            when erp_invoices.transaction_id is not null
                then jsonb_build_object('id', erp_invoices.transaction_id::text)
            else jsonb_build_object('externalId', links.invoice_id)
        end as applied_invoice

    from unposted
    left join links on links.payment_id = unposted.payment_id
    left join invoices on invoices.invoice_id = links.invoice_id
    left join erp_invoices on erp_invoices.external_id = links.invoice_id
    left join to_post on to_post.key = links.invoice_id
    where {{ writeback_unblocked('unposted.payment_id', 'stripe', 'payment_intents') }}
        and {{ writeback_unblocked('links.invoice_id', 'stripe', 'invoices') }}
        and {{ writeback_unblocked('erp_invoices.transaction_id::text', 'netsuite', 'transaction') }}

)

select * from final
