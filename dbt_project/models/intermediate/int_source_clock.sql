-- The data's own clock: the latest source modification time the warehouse has loaded, across the three systems.
-- Finance ages and SLAs are measured against it, never against the wall clock: the sandbox runs on a simulated
-- clock, and in production a stalled sync must not age every open item (source freshness reports the stall).
with

erp as (

    select max(modified_at) as modified_at from {{ ref('stg_netsuite__transactions') }}

),

crm as (

    select max(system_modstamp) as modified_at from {{ ref('stg_salesforce__accounts') }}

),

billing as (

    select max(greatest(created_at, finalized_at, paid_at)) as modified_at from {{ ref('stg_stripe__invoices') }}

),

billing_payments as (

    select max(created_at) as modified_at from {{ ref('stg_stripe__invoice_payments') }}

)

select
    greatest(
        erp.modified_at::timestamptz,
        crm.modified_at::timestamptz,
        billing.modified_at,
        billing_payments.modified_at
    ) as data_as_of
from erp, crm, billing, billing_payments
