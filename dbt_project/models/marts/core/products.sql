with

billing as (

    select * from {{ ref('stg_stripe__products') }}
    where not is_deleted

),

crm as (

    select * from {{ ref('stg_salesforce__products') }}
    where not is_deleted

),

erp as (

    select * from {{ ref('stg_netsuite__items') }}
    where not is_deleted

),

final as (

    select
        billing.product_id,
        crm.product_id as salesforce_product_id,
        erp.item_id as netsuite_item_id,
        coalesce(billing.product_code, crm.product_code, erp.product_code) as product_code,
        coalesce(crm.product_name, billing.product_name) as product_name,
        crm.product_family,
        billing.default_price_id,
        billing.is_active,
        billing.created_at
    from billing
    left join crm on crm.stripe_product_id = billing.product_id
    left join erp on erp.stripe_product_id = billing.product_id

)

select * from final
