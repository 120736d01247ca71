with

source as (

    select * from {{ source('salesforce', 'Account') }}

),

renamed as (

    select
        -- ids
        "Id" as account_id,
        "ParentId" as parent_account_id,
        "MasterRecordId" as master_account_id,
        nullif("Concord_Account_Id__c", '') as concord_account_id,
        nullif("ERP_Customer_Number__c", '') as erp_customer_number,
        "OwnerId" as owner_id,

        -- strings
        "Name" as account_name,
        "Type" as account_type,
        "Industry" as industry,
        "Website" as website,
        "Phone" as phone,
        "BillingCity" as billing_city,
        "BillingCountry" as billing_country,
        "CurrencyIsoCode" as currency,
        nullif("Tax_Id__c", '') as tax_id,
        "Billing_Status__c" as billing_status,

        -- numerics
        "NumberOfEmployees" as number_of_employees,
        "AnnualRevenue"::numeric as annual_revenue,
        "AR_Balance__c"::numeric as ar_balance,

        -- booleans
        (coalesce("IsDeleted", false) or coalesce(_concord_deleted, false)) as is_deleted,

        -- dates and timestamps
        "Last_Payment_Date__c" as last_payment_date,
        "CreatedDate" as created_at,
        "LastModifiedDate" as modified_at,
        "SystemModstamp" as system_modstamp,
        _sdc_deleted_at as deleted_at,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
