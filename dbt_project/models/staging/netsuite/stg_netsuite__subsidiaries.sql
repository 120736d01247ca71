with

source as (

    select * from {{ source('netsuite', 'subsidiary') }}

),

renamed as (

    select
        id as subsidiary_id,
        parent as parent_subsidiary_id,
        currency as currency_id,
        nullif(externalid, '') as legal_entity_code,
        name as subsidiary_name,
        legalname as legal_name,
        country as country_code,
        coalesce(iselimination, false) as is_elimination,
        coalesce(isinactive, false) as is_inactive,
        coalesce(_concord_deleted, false) as is_deleted,
        lastmodifieddate as modified_at,
        {{ lineage_columns() }}

    from source

)

select * from renamed
