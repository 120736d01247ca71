-- Payment update timeliness, one row per succeeded billing payment: how long after the payment the ERP recorded
-- its customer payment (both on the systems' own clocks), bucketed; `not in ERP` when it has not arrived.
with

payments as (

    select * from {{ ref('payments') }}
    where payment_status = 'succeeded'
        and not is_deleted

),

erp as (

    select transaction_id, created_at from {{ ref('stg_netsuite__transactions') }}

),

measured as (

    select
        payments.payment_id,
        payments.invoice_id,
        payments.netsuite_transaction_id,
        payments.created_at as paid_at,
        erp.created_at as erp_recorded_at,
        greatest(0, extract(epoch from (erp.created_at - payments.created_at)))::double precision as delay_seconds
    from payments
    left join erp on erp.transaction_id = payments.netsuite_transaction_id

),

final as (

    select
        -- ids
        payment_id,
        invoice_id,
        netsuite_transaction_id,

        -- strings
        case
            when erp_recorded_at is null then 'not in ERP'
            when delay_seconds < 3600 then '< 1 h'
            when delay_seconds < 86400 then '1-24 h'
            else '> 24 h'
        end as timeliness_bucket,

        -- numerics
        delay_seconds,

        -- timestamps
        paid_at,
        erp_recorded_at

    from measured

)

select * from final
