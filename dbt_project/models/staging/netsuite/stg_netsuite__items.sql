with

source as (

    select * from {{ source('netsuite', 'item') }}

),

renamed as (

    select
        id as item_id,
        nullif(externalid, '') as stripe_product_id,
        itemid as product_code,
        displayname as item_name,
        itemtype as item_type,
        coalesce(isinactive, false) as is_inactive,
        coalesce(_concord_deleted, false) as is_deleted,
        createddate as created_at,
        lastmodifieddate as modified_at,
        {{ lineage_columns() }}

    from source

)

select * from renamed
