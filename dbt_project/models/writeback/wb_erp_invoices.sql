-- Finalized billing invoices not yet posted in the ERP, with entity and tax mappings applied: created by external
-- id (the billing invoice id) with one item line per billing line. A missing mapping makes the row invalid (named
-- in `invalid_reason`); it is logged, never sent. Blocked keys excluded.
with

unposted as (

    select * from {{ ref('invoices') }}
    where not is_posted_to_erp
        and not is_deleted
        and invoice_status in ('open', 'paid', 'uncollectible')

),

-- only the unposted invoices' billing rows: `= any(array(…))` makes the key list one parameter, so the staging
-- view is read through the raw table's primary key (a join let the planner expand every invoice's lines first)
billing_invoices as materialized (

    select invoice_id, lines, currency_exponent from {{ ref('stg_stripe__invoices') }}
    where invoice_id = any(array(select invoice_id from unposted))

),

accounts as (

    select * from {{ ref('accounts') }}

),

new_customers as (

    select key, invalid_reason from {{ ref('wb_erp_customers') }}

),

products as (

    select * from {{ ref('products') }}

),

tax_rates as (

    select id as tax_rate_id, metadata ->> 'tax_code' as tax_rate_code from {{ source('stripe', 'tax_rates') }}

),

tax_codes as (

    select * from {{ ref('tax_codes') }}
    where is_mapped_in_erp

),

entities as (

    select * from {{ ref('legal_entities') }}
    where is_mapped_in_erp

),

currencies as (

    select * from {{ ref('stg_netsuite__currencies') }}
    where not is_deleted

),

lines as (

    select
        unposted.invoice_id,
        line.n,
        line.value ->> 'description' as description,
        coalesce((line.value ->> 'quantity')::numeric, 1) as quantity,
        {{ minor_to_major("(line.value ->> 'amount')::bigint", 'billing_invoices.currency_exponent') }} as amount,
        line.value #>> '{pricing,price_details,product}' as product_id,
        line.value #>> '{taxes,0,tax_rate_details,tax_rate}' as tax_rate_id,
        unposted.legal_entity_code
    from unposted
    inner join billing_invoices on billing_invoices.invoice_id = unposted.invoice_id
    cross join lateral jsonb_array_elements(billing_invoices.lines) with ordinality as line(value, n)

),

mapped_lines as (

    select
        lines.*,
        products.netsuite_item_id,
        products.product_code,
        tax_rates.tax_rate_code,
        tax_codes.netsuite_tax_code,
        case
            when products.netsuite_item_id is null
                then 'line ' || lines.n || ': product ' || coalesce(lines.product_id, '(none)') || ' has no ERP item'
            when lines.tax_rate_id is not null and tax_codes.netsuite_tax_code is null
                then 'line ' || lines.n || ': tax code ' || coalesce(tax_rates.tax_rate_code, lines.tax_rate_id)
                    || ' has no ERP tax code mapping for entity ' || coalesce(lines.legal_entity_code, '(none)')
                    || ' and product ' || coalesce(products.product_code, '(none)')
        end as line_problem
    from lines
    left join products on products.product_id = lines.product_id
    left join tax_rates on tax_rates.tax_rate_id = lines.tax_rate_id
    left join tax_codes
        on tax_codes.stripe_tax_rate_code = tax_rates.tax_rate_code
        and tax_codes.legal_entity_code = lines.legal_entity_code
        and tax_codes.product_code = products.product_code

),

invoice_lines as (

    select
        invoice_id,
        jsonb_agg(
            jsonb_strip_nulls(jsonb_build_object(
                'item', jsonb_build_object('id', netsuite_item_id::text),
                'quantity', quantity,
                'amount', amount,
                'description', description
            )) order by n
        ) as lines,
        jsonb_agg(netsuite_tax_code order by n) as tax_codes,
        string_agg(line_problem, '; ' order by n) as line_problems
    from mapped_lines
    group by 1

),

final as (

    select
        -- writeback identity
        unposted.invoice_id as key,
        cast(null as text) as destination_id,
        case
            when unposted.legal_entity_code is null then 'the invoice names no legal entity'
            when entities.legal_entity_code is null
                then 'legal entity ' || unposted.legal_entity_code || ' has no ERP subsidiary mapping'
            when invoice_lines.invoice_id is null then 'the invoice has no lines'
            when invoice_lines.line_problems is not null then invoice_lines.line_problems
            when currencies.currency_id is null then 'currency ' || unposted.currency || ' is not an ERP currency'
            when accounts.netsuite_customer_id is null and new_customers.key is null
                then 'billing customer ' || unposted.stripe_customer_id || ' has no ERP customer'
            when accounts.netsuite_customer_id is null and new_customers.invalid_reason is not null
                then 'its ERP customer cannot be created: ' || new_customers.invalid_reason
        end as invalid_reason,

        -- references and document header (set on create only)
        case
            when accounts.netsuite_customer_id is not null
                then jsonb_build_object('id', accounts.netsuite_customer_id::text)
            else jsonb_build_object('externalId', unposted.stripe_customer_id)
        end as entity,
        coalesce(unposted.finalized_at, unposted.created_at)::date::text as tran_date,
        coalesce(unposted.due_at, unposted.finalized_at, unposted.created_at)::date::text as due_date,
        unposted.invoice_number as memo,

        -- attributes (invoice.* in ownership.csv)
        invoice_lines.lines,
        invoice_lines.tax_codes as tax_code,
        unposted.tax_total as tax,
        currencies.currency_id::text as currency,
        entities.netsuite_subsidiary_id::text as subsidiary

    from unposted
    left join invoice_lines on invoice_lines.invoice_id = unposted.invoice_id
    left join entities on entities.legal_entity_code = unposted.legal_entity_code
    left join currencies on currencies.currency = unposted.currency
    left join accounts on accounts.canonical_account_id = unposted.canonical_account_id
    left join new_customers on new_customers.key = unposted.stripe_customer_id
    where {{ writeback_unblocked('unposted.invoice_id', 'stripe', 'invoices') }}
        and {{ writeback_unblocked('unposted.stripe_customer_id', 'stripe', 'customers') }}

)

select * from final
