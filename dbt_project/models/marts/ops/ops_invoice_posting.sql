-- Invoice posting success per day the invoice was finalized and legal entity: finalized billing invoices
-- (open, paid, uncollectible) and how many exist in the ERP.
with

invoices as (

    select * from {{ ref('invoices') }}
    where invoice_status in ('open', 'paid', 'uncollectible')
        and not is_deleted

),

final as (

    select
        -- ids
        date_trunc('day', coalesce(finalized_at, created_at)) as finalized_day,
        coalesce(legal_entity_code, 'unknown') as legal_entity_code,

        -- numerics
        count(*) as invoices_finalized,
        count(*) filter (where is_posted_to_erp) as invoices_posted,
        count(*) filter (where not is_posted_to_erp) as invoices_unposted,
        (count(*) filter (where is_posted_to_erp))::double precision / count(*) as posting_success_rate

    from invoices
    group by 1, 2

)

select * from final
