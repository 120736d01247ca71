with

source as (

    select * from {{ source('netsuite', 'currency') }}

),

renamed as (

    select
        id as currency_id,
        symbol as currency,
        name as currency_name,
        currencyprecision as currency_precision,
        exchangerate::numeric as exchange_rate_to_usd,
        coalesce(isbasecurrency, false) as is_base_currency,
        coalesce(isinactive, false) as is_inactive,
        coalesce(_concord_deleted, false) as is_deleted,
        lastmodifieddate as modified_at,
        {{ lineage_columns() }}

    from source

)

select * from renamed
