with

source as (

    select * from {{ source('salesforce', 'Opportunity') }}

),

renamed as (

    select
        -- ids
        "Id" as opportunity_id,
        "AccountId" as account_id,
        "OwnerId" as owner_id,
        nullif("Stripe_Subscription_Id__c", '') as stripe_subscription_id,

        -- strings
        "Name" as opportunity_name,
        "StageName" as stage_name,
        "Type" as opportunity_type,
        "LeadSource" as lead_source,
        "CurrencyIsoCode" as currency,

        -- numerics
        "Amount"::numeric as amount,
        "Probability"::numeric as probability,

        -- booleans
        coalesce("IsClosed", false) as is_closed,
        coalesce("IsWon", false) as is_won,
        (coalesce("IsDeleted", false) or coalesce(_concord_deleted, false)) as is_deleted,

        -- dates and timestamps
        "CloseDate" as close_date,
        "CreatedDate" as created_at,
        "SystemModstamp" as system_modstamp,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
