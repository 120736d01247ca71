with

source as (

    select * from {{ source('netsuite', 'transaction') }}

),

renamed as (

    select
        -- ids
        id as transaction_id,
        entity as customer_id,
        subsidiary as subsidiary_id,
        currency as currency_id,
        nullif(externalid, '') as external_id,
        tranid as transaction_number,

        -- strings
        type as transaction_type,
        recordtype as record_type,
        status as transaction_status,
        memo,

        -- numerics (major units, as the ERP gives them)
        exchangerate::numeric as exchange_rate,
        foreigntotal::numeric as total,
        taxtotal::numeric as tax_total,
        foreignamountremaining::numeric as amount_remaining,

        -- booleans
        coalesce(voided, false) as is_voided,
        coalesce(_concord_deleted, false) as is_deleted,

        -- dates and timestamps
        trandate as transaction_date,
        duedate as due_date,
        createddate as created_at,
        lastmodifieddate as modified_at,
        _sdc_deleted_at as deleted_at,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
