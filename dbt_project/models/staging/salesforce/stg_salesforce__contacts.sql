with

source as (

    select * from {{ source('salesforce', 'Contact') }}

),

renamed as (

    select
        -- ids
        "Id" as contact_id,
        "AccountId" as account_id,
        "MasterRecordId" as master_contact_id,

        -- strings
        "Name" as contact_name,
        lower("Email") as email,
        "Title" as title,
        "MailingCountry" as mailing_country,

        -- booleans
        (coalesce("IsDeleted", false) or coalesce(_concord_deleted, false)) as is_deleted,

        -- dates and timestamps
        "CreatedDate" as created_at,
        "SystemModstamp" as system_modstamp,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
