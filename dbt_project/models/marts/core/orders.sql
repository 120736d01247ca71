-- Closed-won opportunities with their line items (the booked orders), one row per opportunity.
with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted and is_won

),

line_items as (

    select * from {{ ref('stg_salesforce__opportunity_line_items') }}
    where not is_deleted

),

products as (

    select * from {{ ref('stg_salesforce__products') }}

),

resolved as (

    select * from {{ ref('int_accounts_resolved') }}
    where source_system = 'salesforce'

),

lines as (

    select
        line_items.opportunity_id,
        count(*) as line_count,
        sum(line_items.total_price) as lines_total,
        jsonb_agg(
            jsonb_build_object(
                'opportunity_line_item_id', line_items.opportunity_line_item_id,
                'product_id', line_items.product_id,
                'stripe_product_id', products.stripe_product_id,
                'product_code', products.product_code,
                'quantity', line_items.quantity,
                'unit_price', line_items.unit_price,
                'total_price', line_items.total_price
            )
            order by line_items.opportunity_line_item_id
        ) as lines
    from line_items
    left join products on products.product_id = line_items.product_id
    group by line_items.opportunity_id

),

final as (

    select
        -- ids
        opportunities.opportunity_id as order_id,
        resolved.canonical_account_id,
        opportunities.account_id as salesforce_account_id,
        opportunities.stripe_subscription_id,

        -- strings
        opportunities.opportunity_name as order_name,
        opportunities.opportunity_type as order_type,
        opportunities.currency,

        -- numerics
        opportunities.amount,
        coalesce(lines.line_count, 0) as line_count,
        coalesce(lines.lines_total, 0) as lines_total,

        -- nested
        coalesce(lines.lines, '[]'::jsonb) as lines,

        -- dates
        opportunities.close_date

    from opportunities
    left join lines on lines.opportunity_id = opportunities.opportunity_id
    left join resolved on resolved.source_record_id = opportunities.account_id

)

select * from final
