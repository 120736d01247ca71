with

source as (

    select * from {{ source('netsuite', 'customer') }}

),

renamed as (

    select
        -- ids
        id as customer_id,
        parent as parent_customer_id,
        subsidiary as subsidiary_id,
        currency as currency_id,
        nullif(externalid, '') as stripe_customer_id,
        nullif(custentity_sf_account_id, '') as salesforce_account_id,
        entityid as entity_number,

        -- strings
        companyname as company_name,
        lower(email) as email,
        phone,
        terms,

        -- booleans
        coalesce(isinactive, false) as is_inactive,
        coalesce(_concord_deleted, false) as is_deleted,

        -- timestamps
        datecreated as created_at,
        lastmodifieddate as modified_at,
        _sdc_deleted_at as deleted_at,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
