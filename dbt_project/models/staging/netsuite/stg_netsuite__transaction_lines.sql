with

source as (

    select * from {{ source('netsuite', 'transactionline') }}

),

renamed as (

    select
        -- ids
        "transaction"::text || '-' || id::text as transaction_line_key,
        "transaction" as transaction_id,
        id as line_id,
        item as item_id,

        -- strings
        memo,

        -- numerics
        linesequencenumber as line_sequence_number,
        quantity::numeric as quantity,
        rate::numeric as rate,
        foreignamount::numeric as amount,

        -- booleans
        coalesce(_concord_deleted, false) as is_deleted,

        -- timestamps
        lastmodifieddate as modified_at,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
