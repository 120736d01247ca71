with

source as (

    select * from {{ source('salesforce', 'Product2') }}

),

renamed as (

    select
        -- ids
        "Id" as product_id,
        nullif("Stripe_Product_Id__c", '') as stripe_product_id,

        -- strings
        "Name" as product_name,
        "ProductCode" as product_code,
        "Description" as description,
        "Family" as product_family,

        -- booleans
        coalesce("IsActive", false) as is_active,
        (coalesce("IsDeleted", false) or coalesce(_concord_deleted, false)) as is_deleted,

        -- dates and timestamps
        "CreatedDate" as created_at,
        "SystemModstamp" as system_modstamp,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
