with

source as (

    select * from {{ source('salesforce', 'OpportunityLineItem') }}

),

renamed as (

    select
        -- ids
        "Id" as opportunity_line_item_id,
        "OpportunityId" as opportunity_id,
        "Product2Id" as product_id,

        -- strings
        "Name" as line_name,
        "CurrencyIsoCode" as currency,

        -- numerics
        "Quantity"::numeric as quantity,
        "UnitPrice"::numeric as unit_price,
        "TotalPrice"::numeric as total_price,

        -- booleans
        (coalesce("IsDeleted", false) or coalesce(_concord_deleted, false)) as is_deleted,

        -- dates and timestamps
        "ServiceDate" as service_date,
        "CreatedDate" as created_at,
        "SystemModstamp" as system_modstamp,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
