with

source as (

    select * from {{ source('stripe', 'tax_rates') }}

),

renamed as (

    select
        -- ids
        source.id as tax_rate_id,
        -- the company's tax code for the rate (what the tax_codes seed maps to ERP tax codes)
        nullif(source.metadata ->> 'tax_code', '') as tax_rate_code,

        -- strings
        source.display_name,
        source.jurisdiction,
        upper(source.country) as country_code,
        source.tax_type,
        source.rate_type,

        -- numerics
        source.percentage::numeric as percentage,

        -- booleans
        coalesce(source.active, false) as is_active,
        coalesce(source.inclusive, false) as is_inclusive,
        coalesce(source._concord_deleted, false) as is_deleted,

        -- timestamps
        {{ from_unix('source.created') }} as created_at,

        -- lineage
        {{ lineage_columns('source') }}

    from source

)

select * from renamed
